"""The served model: loading a model directory, its digest, and predicting with scikit-learn or ``predictor.py``."""
