"""setup.py - `pip install ./python` (from the repository root): builds
libembscope as a shared library with CMake (-DEMB_SHARED=ON, in
build-python/ at the repository root) and installs the package with the
library inside it. Needs only Debian packages (scripts/setup.sh build, plus
python3-dev python3-setuptools python3-numpy python3-pip) and no network:
there is deliberately no pyproject.toml, so pip builds without an isolated
environment (which would fetch setuptools from PyPI).

    /usr/bin/python3 -m pip install --break-system-packages ./python

EMBSCOPE_BUILD_JOBS sets the build's parallelism (default: all cores)."""
import os
import re
import shutil
import subprocess

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.join(ROOT, "build-python")


def version():
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        return re.search(r"project\(embscope VERSION ([0-9.]+)", f.read()).group(1)


class BuildWithLibrary(build_py):
    """build_py that first builds libembscope.so and copies it into the package."""

    def run(self):
        super().run()
        jobs = os.environ.get("EMBSCOPE_BUILD_JOBS", str(os.cpu_count() or 1))
        subprocess.check_call(["cmake", "-S", ROOT, "-B", BUILD, "-DCMAKE_BUILD_TYPE=Release",
                               "-DEMB_SHARED=ON"])
        subprocess.check_call(["cmake", "--build", BUILD, "--target", "embscope", "-j", jobs])
        dest = os.path.join(self.build_lib, "embscope")
        os.makedirs(dest, exist_ok=True)
        shutil.copy2(os.path.join(BUILD, "libembscope.so"), os.path.join(dest, "libembscope.so"))


class BinaryDistribution(Distribution):
    """The wheel carries a compiled library: platform-specific."""

    def has_ext_modules(self):
        return True


setup(
    name="embscope",
    version=version(),
    description="Fast kNN graphs, PCA, UMAP and t-SNE maps (scikit-learn / umap-learn "
                "interfaces) over the embscope C library",
    packages=["embscope"],
    package_data={"embscope": ["libembscope.so"]},
    python_requires=">=3.9",
    install_requires=["numpy"],
    cmdclass={"build_py": BuildWithLibrary},
    distclass=BinaryDistribution,
    zip_safe=False,
)
