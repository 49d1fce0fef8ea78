# SPDX-License-Identifier: GPL-2.0-only
"""Run the binding's tests with one "PASS: python.NAME" or "FAIL: ..." line
per test (as make check counts them); a skipped test (numpy absent) is
"SKIP: ..." with the reason, counted as neither. Exit status 1 if any
failed."""

import os
import sys
import unittest


class Result(unittest.TextTestResult):
    def _line(self, word, test, extra=""):
        name = test.id().split(".", 1)[-1] if "." in test.id() else test.id()
        self.stream.write("%s: python.%s%s\n" % (word, name, extra))
        self.stream.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line("PASS", test)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line("SKIP", test, " (%s)" % reason)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line("FAIL", test)

    def addError(self, test, err):
        super().addError(test, err)
        self._line("FAIL", test)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    suite = unittest.defaultTestLoader.discover(here, top_level_dir=here)
    runner = unittest.TextTestRunner(stream=sys.stdout, resultclass=Result,
                                     verbosity=0)
    res = runner.run(suite)
    bad = len(res.failures) + len(res.errors)
    skip = len(res.skipped)
    print("python: %d passed, %d failed, %d skipped"
          % (res.testsRun - bad - skip, bad, skip))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
