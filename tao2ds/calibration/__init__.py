"""INT8 calibration core: |x| statistics, thresholds, TensorRT cache format and Q/DQ ONNX."""
