FLASK_APP=consult
