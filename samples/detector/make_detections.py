"""Write detections.json: stand-in primary-detector output for the sample video, in streammux
coordinates (240x320), so the reference runner can check the secondary-classifier path.

Every frame has the sample object (class 0, the classifier runs on it) and a small box of class 3
(Roadsign), which operate-on-class-ids=0 must skip."""
import json
from pathlib import Path

FRAMES = 120
frames = [{"source": 0, "frame": n, "objects": [
    {"id": 1 + n // 10, "class_id": 0, "bbox": [12, 24, 216, 272]},
    {"id": 1000, "class_id": 3, "bbox": [0, 0, 40, 40]},
]} for n in range(FRAMES)]
Path(__file__).with_name("detections.json").write_text(json.dumps({"frames": frames}, indent=1) + "\n")
