"""`python -m lmrl_utils.snapshots`: rewrite every visible test's saved expected values from the references."""

from lmrl_utils.snapshots import FOLDER, write

for path in write():
    print(f"wrote {path.relative_to(FOLDER.parent.parent)}")
