"""all-MiniLM-L6-v2 sentence embeddings, run in NumPy.

Why NumPy: the published weights (safetensors) and tokenizer (tokenizers'
JSON) are all a 6-layer BERT needs, and PyTorch or ONNX export would add
gigabytes (or a network download) for a forward pass that is a few matrix
products. The model is small (22M parameters): a resident's message is
encoded in a few milliseconds on one core.

The computation follows sentence-transformers' recipe for this model: BERT
encoder, mean pooling over real tokens, L2 normalisation.
``minilm_files.py`` fetches and checks the weights.
"""

from __future__ import annotations

from math import sqrt
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Sequence

import numpy as np

if TYPE_CHECKING:  # imported lazily at run time, in load()
    from tokenizers import Tokenizer

MAX_TOKENS = 128  # residents' messages are short; the model was trained on up to 128
HEADS = 12
LAYERS = 6
EPS = 1e-12


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact (erf) GELU."""
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / sqrt(2.0)))


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


class SentenceEncoder:
    """Turns texts into 384-dimensional unit vectors."""

    def __init__(self, weights: Dict[str, np.ndarray], tokenizer: Tokenizer) -> None:
        # Linear layers as contiguous (in, out) matrices: x @ W is then one BLAS call.
        self.w = {
            name: np.ascontiguousarray(value.T)
            if name.endswith("dense.weight") or name.endswith(("query.weight", "key.weight", "value.weight"))
            else value
            for name, value in weights.items()
        }
        self.tokenizer = tokenizer
        self.dimensions = weights["embeddings.word_embeddings.weight"].shape[1]

    @classmethod
    def load(cls, model_dir: Path) -> "SentenceEncoder":
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        return cls(load_file(str(model_dir / "model.safetensors")), tokenizer)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """One row per text. Texts are sorted by length so batches pad little."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            out[batch] = self._encode_batch([texts[i] or " " for i in batch])
        return out

    def _encode_batch(self, texts: List[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings])
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        w = self.w
        n, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        attention_bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in range(LAYERS):
            x = self._layer(x, f"encoder.layer.{layer}.", attention_bias, n, length)
        summed = (x * mask[:, :, None]).sum(1)
        pooled = summed / np.clip(mask.sum(1, keepdims=True), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        weight = self.w[name + ".weight"]
        flat = x.reshape(-1, x.shape[-1]) @ weight + self.w[name + ".bias"]
        return flat.reshape(*x.shape[:-1], weight.shape[1])

    def _layer(self, x: np.ndarray, p: str, attention_bias: np.ndarray, n: int, length: int) -> np.ndarray:
        head = self.dimensions // HEADS

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(n, length, HEADS, head).transpose(0, 2, 1, 3)

        q = split(self._dense(x, p + "attention.self.query"))
        k = split(self._dense(x, p + "attention.self.key"))
        v = split(self._dense(x, p + "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / sqrt(head) + attention_bias
        context = (_softmax(scores) @ v).transpose(0, 2, 1, 3).reshape(n, length, self.dimensions)
        x = _layer_norm(
            x + self._dense(context, p + "attention.output.dense"),
            self.w[p + "attention.output.LayerNorm.weight"],
            self.w[p + "attention.output.LayerNorm.bias"],
        )
        hidden = _gelu(self._dense(x, p + "intermediate.dense"))
        return _layer_norm(
            x + self._dense(hidden, p + "output.dense"),
            self.w[p + "output.LayerNorm.weight"],
            self.w[p + "output.LayerNorm.bias"],
        )
