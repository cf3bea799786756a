"""The bench's predictor.py model: a tree ensemble saved with joblib, served through the predictor.py interface
(which the api calls exactly as written), declaring that each row's answer depends on that row alone."""

import os

import joblib

ACCEPTS_BATCHES = True


def load(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))


def predict(model, rows):
    return model.predict(rows)


def predict_proba(model, rows):
    return model.predict_proba(rows)
