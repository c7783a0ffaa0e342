"""The baseline for the partner pages: a Flask page that runs one query, served by the
same gunicorn settings against the same PostgreSQL."""

import os

import sqlalchemy as sa
from flask import Flask

app = Flask(__name__)
engine = sa.create_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1),
    pool_pre_ping=True,
)


@app.route("/")
def page():
    with engine.connect() as connection:
        number = connection.execute(sa.text("SELECT count(*) FROM organisations")).scalar()
    return f"<!DOCTYPE html><html lang='en'><title>Baseline</title><p>{number} organisations</p>"
