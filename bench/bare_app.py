"""The baseline for bench/clicks.py: a bare Flask app that answers every request with the
same kind of 302 the click path sends (same destination shape, a click_id of the same
length), and nothing else."""

from flask import Flask, redirect

app = Flask(__name__)
DESTINATION = ("https://shop.example.com/landing?src=aff&click_id="
               "AQAAAAEAAAABAAAAAWk1wIBm2xT1.2iS7Ee6gcf38Li45x5wDxDyTIfXgwQBvxx7o1SaJ6kY")


@app.route("/r/<code>")
def click(code):
    return redirect(DESTINATION, 302)
