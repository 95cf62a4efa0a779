"""tao2ds: build DeepStream artifacts for TAO multitask classifiers, per target device."""

__version__ = "0.1.0"
