"""Which files under a folder are left out: ``.gitignore`` and ``.searchkitignore`` files (git's
rules, each applying below its own folder, a deeper file overriding a shallower one) and
``--exclude`` patterns (the same syntax, relative to the folder given). Matching is pathspec's
implementation of git's wildmatch rules, not a hand-written one."""

from __future__ import annotations

from pathlib import Path

import pathspec

IGNORE_FILES = (".gitignore", ".searchkitignore")


class IgnoreRules:
    """The rules in force during one walk from ``root``."""

    def __init__(self, root: Path, exclude: tuple[str, ...] = ()) -> None:
        self.root = root
        # (folder relative to root, its rules); the --exclude patterns act as the root's first file
        self._specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []
        if exclude:
            self._specs.append(("", pathspec.GitIgnoreSpec.from_lines(exclude)))

    def enter(self, folder: Path) -> None:
        """Read the ignore files of ``folder`` (called as the walk reaches it)."""
        rel = folder.relative_to(self.root).as_posix()
        rel = "" if rel == "." else rel
        for name in IGNORE_FILES:
            path = folder / name
            try:
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
            self._specs.append((rel, pathspec.GitIgnoreSpec.from_lines(lines)))

    def ignored(self, path: Path, is_dir: bool = False) -> bool:
        rel = path.relative_to(self.root).as_posix() + ("/" if is_dir else "")
        decision = None
        for folder, spec in self._specs:  # shallow to deep: a later (deeper) match wins
            if folder and not rel.startswith(folder + "/"):
                continue
            result = spec.check_file(rel[len(folder) + 1 :] if folder else rel)
            if result.include is not None:
                decision = result.include
        return bool(decision)
