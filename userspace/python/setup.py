# SPDX-License-Identifier: GPL-2.0-only
# Installs the package with the tree's build/user/libswarm.so beside it
# (make userspace first), so that the installed package finds it. Offline:
#   pip install --no-build-isolation ./userspace/python
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = os.path.join(HERE, "..", "..", "build", "user", "libswarm.so")


class BuildPy(build_py):
    def run(self):
        super().run()
        dst = os.path.join(self.build_lib, "dmswarm", "libswarm.so")
        if os.path.exists(LIB):
            shutil.copyfile(LIB, dst)
        else:
            print("warning: %s not built (make userspace); the package "
                  "will look for libswarm.so at run time" % LIB)


setup(cmdclass={"build_py": BuildPy})
