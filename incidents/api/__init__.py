"""The JSON API v1 for newsroom tools and incident bots.

`endpoint` is the front door every view passes through (method, token, rate limit, body, errors),
`payload` checks the fields a client sent, `representation` turns stories and updates into JSON.
The views themselves live in incidents/views/api.py and call the same model methods as the desk.
"""
