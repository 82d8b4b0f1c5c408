"""One line per check, PASS / SKIP / FAIL, and an exit status that is 1 if anything failed."""

import sys


class Report:
    def __init__(self, section):
        self.section = section
        self.failures = 0

    def _line(self, status, subject, detail):
        text = f"{status:<4} [{self.section}] {subject}"
        if detail:
            text += f" — {detail}"
        print(text, flush=True)

    def passed(self, subject, detail=""):
        self._line("PASS", subject, detail)

    def skipped(self, subject, detail=""):
        self._line("SKIP", subject, detail)

    def failed(self, subject, detail=""):
        self.failures += 1
        self._line("FAIL", subject, detail)

    def exit(self):
        sys.exit(1 if self.failures else 0)
