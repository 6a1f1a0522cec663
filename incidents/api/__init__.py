"""The JSON API v1 for newsroom tools and incident bots.

`endpoint` is the front door every view passes through (method, token, rate limit, body, errors);
`access` finds the story, update or draft a token's user may reach; `payload` checks the JSON
types of a body and hands the values to the desk's own forms; `stories`, `updates`, `drafts` and
`contributors` are the views, calling the same model methods as the desk; `representation` turns
stories and updates into data (shared with the JSON export); `schemas` and `openapi` build the
OpenAPI document from the model fields.
"""
