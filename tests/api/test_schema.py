"""The OpenAPI schema: valid, complete, served at its stable URL."""

import yaml
from django.core.management import call_command


def test_the_schema_is_valid_openapi_without_a_single_warning(tmp_path):
    """drf-spectacular's own check: a warning means a field or parameter it had to guess."""
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/api/v1/articles/",
        "/api/v1/articles/{id}/",
        "/api/v1/flashes/",
        "/api/v1/sections/",
        "/api/v1/tags/",
        "/api/v1/tags/{slug}/articles/",
        "/api/v1/stocks/",
        "/api/v1/stocks/{symbol}/",
        "/api/v1/stocks/{symbol}/articles/",
        "/api/v1/search/",
    }
    article = schema["components"]["schemas"]["ArticleDetail"]["properties"]
    assert "body_html" in article and "body_source" not in article
    listed = schema["paths"]["/api/v1/articles/"]["get"]
    names = {p["name"] for p in listed["parameters"]}
    assert names >= {"section", "tag", "stock", "published_after", "published_before", "cursor"}


def test_the_schema_is_served_at_a_stable_url(client, db):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert "/api/v1/articles/" in schema["paths"]
    as_json = client.get("/api/v1/schema/", {"format": "json"})
    assert as_json.json()["info"]["version"] == "1"
