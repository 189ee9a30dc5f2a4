"""Print the shell commands of the README's "Quick start" block: what a newcomer types, and what CI runs.

Standard library only: `.ci/run` calls it with the machine's python3, before any virtual environment exists.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def quick_start_commands(readme: str) -> str:
    """The first ```bash block after the "## Quick start" heading, verbatim."""
    if "## Quick start" not in readme:
        raise ValueError('README.md has no "## Quick start" section')
    block = re.search(r"```bash\n(.*?)```", readme.split("## Quick start", 1)[1], re.S)
    if block is None:
        raise ValueError('README.md\'s "Quick start" section has no ```bash block')
    return block.group(1)


if __name__ == "__main__":
    sys.stdout.write(quick_start_commands(README.read_text(encoding="utf-8")))
