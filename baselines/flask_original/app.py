"""A reconstruction of the original Flask prototype, for benchmarks only.

The original app is not in this repository. This is written from the contract it left behind
(docs/api.md, the shared CONTRACT.md): an in-memory dict of lists, times in UTC, the
logged-in user `user123`, `POST/GET/DELETE /availability` and `GET /overlap/<user_id_2>`, and
the overlap a Flask prototype would have: every slot of one user against every slot of the
other. Slots are parsed to datetimes when they are stored (kinder to Flask than re-parsing them
on every overlap). Not a port of the Rust code: no normalization, no validation beyond what
the prototype needs to run.
"""

from datetime import datetime, timedelta, timezone

from flask import Flask, jsonify, request

app = Flask(__name__)

# user_id -> [{"start_time": datetime, "end_time": datetime}]
availability_data = {}
LOGGED_IN_USER = "user123"


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def show(slots):
    return [{"start_time": s["start_time"].isoformat(), "end_time": s["end_time"].isoformat()}
            for s in slots]


@app.route("/")
def index():
    return jsonify({"message": "Server Running"})


@app.route("/availability", methods=["POST"])
def set_availability():
    data = request.get_json()
    user_id = data.get("user_id", LOGGED_IN_USER)
    slots = availability_data.setdefault(user_id, [])
    for slot in data["availability"]:
        start, end = parse_time(slot["start_time"]), parse_time(slot["end_time"])
        if slot.get("period") == "weekdays":
            for day in range(30):
                shifted = start + timedelta(days=day)
                if shifted.weekday() < 5:
                    slots.append({"start_time": shifted, "end_time": end + timedelta(days=day)})
        else:
            slots.append({"start_time": start, "end_time": end})
    return jsonify({"message": "Availability set successfully"})


@app.route("/availability", methods=["GET"])
def get_availability():
    slots = availability_data.get(LOGGED_IN_USER, [])
    return jsonify({"user_id": LOGGED_IN_USER, "availability": show(slots)})


@app.route("/availability", methods=["DELETE"])
def delete_availability():
    data = request.get_json()
    start, end = parse_time(data["start_time"]), parse_time(data["end_time"])
    slots = availability_data.get(LOGGED_IN_USER, [])
    for slot in slots:
        if slot["start_time"] == start and slot["end_time"] == end:
            slots.remove(slot)
            return jsonify({"message": "Availability slot deleted successfully"})
    return jsonify({"error": "Slot not found in availability."}), 404


def find_overlap(slots_1, slots_2):
    """Every slot of one user against every slot of the other: O(n * m)."""
    overlap = []
    for slot_1 in slots_1:
        for slot_2 in slots_2:
            start = max(slot_1["start_time"], slot_2["start_time"])
            end = min(slot_1["end_time"], slot_2["end_time"])
            if start < end:
                overlap.append({"start_time": start, "end_time": end})
    return overlap


@app.route("/overlap/<user_id_2>", methods=["GET"])
def get_overlap(user_id_2):
    overlap = find_overlap(availability_data.get(LOGGED_IN_USER, []),
                           availability_data.get(user_id_2, []))
    return jsonify({"overlap": show(overlap)})
