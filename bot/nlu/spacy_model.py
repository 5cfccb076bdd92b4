"""Build the small English spaCy pipeline the NLU uses.

Pretrained ``en_core_web_*`` packages are not installable here, so the
pipeline is a blank English tokenizer plus the lookup lemmatizer from
spacy-lookups-data. It is built from installed packages only, so it is
reproducible offline, and saved to disk where ``config.yml`` points SpacyNLP.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_PATH = Path("var/spacy/en_signpost")


def build_pipeline():  # -> spacy.Language (spaCy is imported lazily: it is slow)
    """A blank English pipeline whose tokens carry lookup lemmas."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lemma table from spacy-lookups-data
    nlp.meta["name"] = "en_signpost"
    nlp.meta["description"] = "Blank English tokenizer with lookup lemmas (spacy-lookups-data)."
    return nlp


def build(path: Path = DEFAULT_PATH) -> Path:
    """Write the pipeline to ``path`` and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    build_pipeline().to_disk(path)
    return path
