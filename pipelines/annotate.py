"""A contact sheet of labelled frames, for a person to look at (bounded memory: keeps a sample)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from tao2ds.core import fileio


class ContactSheet:
    def __init__(self, max_tiles: int = 24, columns: int = 6, tile_width: int = 200):
        self.max_tiles, self.columns, self.tile_width = max_tiles, columns, tile_width
        self.stride, self.seen = 1, 0
        self.tiles: list = []

    def add(self, frame, objects: Sequence, labels, tasks: Sequence[str]) -> None:
        """``objects``: [(bbox or None for the whole frame, attributes)]."""
        self.seen += 1
        if (self.seen - 1) % self.stride:
            return
        self.tiles.append(self._draw(frame, objects, tasks))
        if len(self.tiles) > self.max_tiles:  # keep every other tile and sample half as often
            self.tiles = self.tiles[::2]
            self.stride *= 2

    def _draw(self, frame, objects, tasks):
        import cv2  # deferred: OpenCV is slow to import and a no-op build needs none

        img = cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR)
        scale = self.tile_width / img.shape[1]
        img = cv2.resize(
            img, (self.tile_width, int(round(img.shape[0] * scale))), interpolation=cv2.INTER_AREA
        )
        y = 14
        cv2.putText(
            img,
            f"src{frame.source} #{frame.number}",
            (4, y),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.4,
            (255, 255, 255),
            1,
        )
        for bbox, attrs in objects:
            if bbox is not None:
                l, t, w, h = (int(v * scale) for v in bbox)
                cv2.rectangle(img, (l, t), (l + w, t + h), (0, 255, 255), 1)
            for a in attrs:
                y += 14
                text = f"{tasks[a.label_id]}: {a.label} {a.prob:.2f}"
                cv2.putText(img, text, (4, y), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (0, 0, 0), 3)
                cv2.putText(img, text, (4, y), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (255, 255, 255), 1)
        return img

    def save(self, path: Path) -> None:
        import cv2
        import numpy as np  # deferred: not needed to plan a build

        if not self.tiles:
            return
        h = max(t.shape[0] for t in self.tiles)
        tiles = [np.pad(t, ((0, h - t.shape[0]), (0, 0), (0, 0))) for t in self.tiles]
        blank = np.zeros_like(tiles[0])
        rows = [tiles[i : i + self.columns] for i in range(0, len(tiles), self.columns)]
        rows[-1] += [blank] * (self.columns - len(rows[-1]))
        sheet = np.vstack([np.hstack(r) for r in rows])
        ok, png = cv2.imencode(".png", sheet)
        if ok:
            fileio.write_bytes(path, png.tobytes())
