"""scikit-learn's cross-entropy for the pitfalls table (page section ``pitfalls``):
``sklearn.metrics.log_loss`` on the probabilities of scikit-learn's own softmax
(``sklearn.utils.extmath.softmax``), called with integer or one-hot labels as a user would:
integer labels with ``labels=range(K)`` (scikit-learn's advice when a batch may lack a class),
a one-hot indicator matrix without it
(its columns are the classes; scikit-learn rejects ``labels`` there)."""

from __future__ import annotations

import numpy as np
import sklearn
from sklearn.metrics import log_loss
from sklearn.utils.extmath import softmax

VERSION = sklearn.__version__


def cross_entropy_calls() -> dict:
    def call(logits, labels):
        probs = softmax(np.array(logits, dtype=np.float64, copy=True))
        if np.ndim(labels) == 2 and np.shape(labels)[1] > 1:  # an indicator matrix: classes are its columns
            return float(log_loss(labels, probs))
        return float(log_loss(labels, probs, labels=np.arange(probs.shape[1])))
    return {"sklearn.metrics.log_loss": call}
