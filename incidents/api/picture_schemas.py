"""The OpenAPI document's pictures (issue 13): the multipart upload, the Picture object, and the
`pictures` an update takes and shows. Limits come from the model and incidents/images.py."""

from incidents.api.access import MAX_ID
from incidents.api.schemas import SLUG_PATTERN, STRING, URI, ref, text
from incidents.images import MAX_UPLOAD_BYTES
from incidents.models import Picture
from incidents.models.picture import MAX_PICTURES_PER_UPDATE


def picture_texts() -> dict:
    return {
        "alt": text(Picture, "alt"),
        "caption": text(Picture, "caption"),
        "credit": text(Picture, "credit"),
    }


def pictures_in() -> dict:
    pick = {
        "type": "integer",
        "minimum": 1,
        "maximum": MAX_ID,
        "description": "A picture's id, from POST /pictures.",
    }
    return {
        "type": "array",
        "maxItems": MAX_PICTURES_PER_UPDATE,
        "uniqueItems": True,
        "items": {
            "oneOf": [
                pick,
                {
                    "type": "object",
                    "required": ["id"],
                    "additionalProperties": False,
                    "properties": {"id": pick, **picture_texts()},
                },
            ]
        },
        "description": "The update's pictures in order (uploaded to this story, not yet used "
        "elsewhere), as ids, or objects that also change a picture's texts. On an edit the list "
        "replaces the update's pictures. A picture not there to use answers 409.",
    }


def picture_upload() -> dict:
    return {
        "type": "object",
        "required": ["story", "file", "alt"],
        "additionalProperties": False,
        "properties": {
            "story": {"type": "string", "pattern": SLUG_PATTERN},
            "file": {
                "type": "string",
                "contentMediaType": "application/octet-stream",
                "description": f"A JPEG, PNG, WebP or GIF of at most {MAX_UPLOAD_BYTES:,} bytes "
                "and 40 megapixels; SVG is refused.",
            },
            **picture_texts(),
        },
    }


def picture_out() -> dict:
    rendition = {
        "type": "object",
        "required": ["url", "width", "height", "format"],
        "properties": {
            "url": URI,
            "width": {"type": "integer", "minimum": 1},
            "height": {"type": "integer", "minimum": 1},
            "format": {"type": "string", "enum": ["webp", "jpeg", "png"]},
        },
    }
    properties = {
        "id": {"type": "integer", "minimum": 1},
        "alt": STRING,
        "caption": STRING,
        "credit": STRING,
        "width": {"type": "integer", "minimum": 1},
        "height": {"type": "integer", "minimum": 1},
        "renditions": {"type": "array", "items": rendition},
    }
    return {"type": "object", "required": list(properties), "properties": properties}


def with_pictures(schema: dict, shown: bool = False) -> dict:
    """An update's schema with its pictures: as sent (ids or objects), or as `shown`."""
    if shown:
        schema["properties"]["pictures"] = {"type": "array", "items": ref("Picture")}
        schema["required"].append("pictures")
    else:
        schema["properties"]["pictures"] = pictures_in()
    return schema


def upload_path(responses: dict) -> dict:
    return {
        "post": {
            "operationId": "uploadPicture",
            "summary": "Upload a picture to a story, to attach to an update by its id "
            "(`pictures` of a new update or an edit). Counts as a write.",
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": ref("PictureUpload"),
                        "encoding": {"file": {"contentType": "image/*"}},
                    }
                },
            },
            "responses": responses,
        }
    }
