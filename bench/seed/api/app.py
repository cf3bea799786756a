# The seed's Flask app. The post assumes "you already have wrapped your model in a Flask REST API" and does
# not show it; this is that app in its plainest form: load the model at import, predict the posted rows.
# It takes the same request body as ours ({"instances": [[...], ...]}) and serves the same model file
# (bench copies model.joblib out of our api image into models/), so both stacks do the same work.
import joblib
from flask import Flask, jsonify, request

app = Flask(__name__)
model = joblib.load("models/model.joblib")


@app.route("/predict", methods=["POST"])
def predict():
    data = request.get_json()
    predictions = model.predict(data["instances"])
    return jsonify({"predictions": predictions.tolist()})


if __name__ == '__main__':
    app.run(host='0.0.0.0')  # remove debug = True, or set to False.
