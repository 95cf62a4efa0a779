"""The one compiled part of tao2ds; everything else is declared in pyproject.toml.

Pass 2 of INT8 calibration in C (tao2ds/calibration/_binning.c, loaded with ctypes by native.py).
Optional: without a C compiler the install still succeeds and calibration bins with numpy, to the
same counts, more slowly (benchmarks/bench_calibration.py prints which one ran). Declared here rather
than in pyproject.toml, where setuptools still calls ext-modules experimental and warns on every build.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "tao2ds.calibration._binning",
            sources=["tao2ds/calibration/_binning.c"],
            extra_compile_args=["-O3", "-fno-fast-math"],
            optional=True,
        )
    ]
)
