"""publiccode.yml at the root follows the publiccode.yml standard, version 0.4 (the Italian
public-software catalogue's metadata): the rules of github.com/publiccodeyml/publiccode.yml at
the commit that released 0.4.0 (96c52eb, docs/standard/schema.core.rst and schema.it.rst),
written here as a JSON Schema, with the checks a schema cannot say (languages, SPDX licence,
the one-language-at-least rules)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def words(text: str) -> list[str]:
    return text.split()


CATEGORIES = words("""accounting agile-project-management applicant-tracking application-development
appointment-scheduling backup billing-and-invoicing blog budgeting business-intelligence
business-process-management cad call-center-management cloud-management collaboration
communications compliance-management contact-management content-management crm
customer-service-and-support data-analytics data-collection data-visualization design
design-system digital-asset-management digital-citizenship document-management donor-management
e-commerce e-signature educational-content email-management email-marketing employee-management
enterprise-project-management enterprise-social-networking erp event-management
facility-management feedback-and-reviews-management financial-reporting fleet-management
fundraising gamification geographic-information-systems grant-management graphic-design
help-desk hr ide identity-management instant-messaging integrated-library-system
inventory-management it-asset-management it-development it-management it-security
it-service-management knowledge-management learning-management-system marketing mind-mapping
mobile-marketing mobile-payment network-management office online-booking online-community
payment-gateway payroll predictive-analysis procurement productivity-suite project-collaboration
project-management property-management real-estate-management regulations-and-directives
remote-support resource-management sales-management seo service-desk social-media-management
survey talent-management task-management taxes-management test-management time-management
time-tracking translation video-conferencing video-editing visitor-management voip
warehouse-management web-collaboration web-conferencing website-builder whistleblowing
workflow-management""")

SCOPES = words("""agriculture culture defence education emergency-services employment energy
environment
finance-and-economic-development foreign-affairs government healthcare infrastructures justice
local-authorities manufacturing research science-and-technology security society sport tourism
transportation welfare""")

URL = {"type": "string", "pattern": r"^https?://[^\s/]+\.[^\s]+$"}
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}}
DEPENDENCY = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "versionMin": {"type": "string"},
        "versionMax": {"type": "string"},
        "version": {"type": "string"},
        "optional": {"type": "boolean"},
    },
}
DESCRIPTION = {
    "type": "object",
    "required": ["shortDescription"],
    "additionalProperties": False,
    "properties": {
        "localisedName": {"type": "string"},
        "genericName": {"type": "string", "maxLength": 35},  # deprecated
        "shortDescription": {"type": "string", "minLength": 1, "maxLength": 150},
        "longDescription": {"type": "string", "minLength": 150, "maxLength": 10000},
        "documentation": URL,
        "apiDocumentation": URL,
        "features": {**STRINGS, "minItems": 1},
        "screenshots": STRINGS,
        "videos": {"type": "array", "items": URL},
        "awards": STRINGS,
    },
}
BOOLEANS = {"type": "object", "additionalProperties": {"type": "boolean"}}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": [
        "publiccodeYmlVersion",
        "name",
        "url",
        "platforms",
        "categories",
        "developmentStatus",
        "softwareType",
        "description",
        "legal",
        "maintenance",
        "localisation",
    ],
    "additionalProperties": False,
    "properties": {
        "publiccodeYmlVersion": {"type": "string", "pattern": r"^0\.4(\.\d+)?$"},
        "name": {"type": "string", "minLength": 1},
        "applicationSuite": {"type": "string"},
        "url": URL,
        "landingURL": URL,
        "isBasedOn": {"anyOf": [URL, {"type": "array", "items": URL}]},
        "softwareVersion": {"type": "string"},
        "releaseDate": DATE,
        "logo": {"type": "string", "pattern": r"\.(svg|svgz|png)$"},
        "platforms": {"anyOf": [{"type": "string", "minLength": 1}, {**STRINGS, "minItems": 1}]},
        "categories": {"type": "array", "minItems": 1, "items": {"enum": CATEGORIES}},
        "usedBy": STRINGS,
        "roadmap": URL,
        "developmentStatus": {"enum": ["concept", "development", "beta", "stable", "obsolete"]},
        "softwareType": {
            "enum": [
                "standalone/mobile",
                "standalone/iot",
                "standalone/desktop",
                "standalone/web",
                "standalone/backend",
                "standalone/other",
                "addon",
                "library",
                "configurationFiles",
            ]
        },
        "intendedAudience": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "countries": {"type": "array", "items": {"pattern": r"^[a-z]{2}$"}},
                "unsupportedCountries": {"type": "array", "items": {"pattern": r"^[a-z]{2}$"}},
                "scope": {"type": "array", "items": {"enum": SCOPES}},
            },
        },
        "description": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},  # BCP 47
            "additionalProperties": DESCRIPTION,
        },
        "legal": {
            "type": "object",
            "required": ["license"],
            "additionalProperties": False,
            "properties": {
                "license": {"type": "string", "minLength": 1},
                "mainCopyrightOwner": {"type": "string"},
                "repoOwner": {"type": "string"},
                "authorsFile": {"type": "string"},
            },
        },
        "maintenance": {
            "type": "object",
            "required": ["type"],
            "additionalProperties": False,
            "properties": {
                "type": {"enum": ["internal", "contract", "community", "none"]},
                "contractors": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["name", "until"],
                        "properties": {
                            "name": {"type": "string"},
                            "until": DATE,
                            "email": {"type": "string"},
                            "website": URL,
                        },
                    },
                },
                "contacts": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "additionalProperties": False,
                        "properties": {
                            "name": {"type": "string", "minLength": 1},
                            "email": {"type": "string", "pattern": r"^[^@\s]+@[^@\s]+$"},
                            "phone": {"type": "string"},
                            "affiliation": {"type": "string"},
                        },
                    },
                },
            },
            "allOf": [
                {
                    "if": {"properties": {"type": {"const": "contract"}}},
                    "then": {"required": ["contractors"]},
                },
                {
                    "if": {"properties": {"type": {"enum": ["internal", "community"]}}},
                    "then": {"required": ["contacts"]},
                },
            ],
        },
        "localisation": {
            "type": "object",
            "required": ["localisationReady", "availableLanguages"],
            "additionalProperties": False,
            "properties": {
                "localisationReady": {"type": "boolean"},
                "availableLanguages": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"pattern": r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
                },
            },
        },
        "dependsOn": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                kind: {"type": "array", "items": DEPENDENCY}
                for kind in ("open", "proprietary", "hardware")
            },
        },
        "it": {  # the Italian extension (schema.it.rst)
            "type": "object",
            "required": ["countryExtensionVersion"],
            "additionalProperties": False,
            "properties": {
                "countryExtensionVersion": {"enum": ["0.2", "1.0"]},
                "conforme": BOOLEANS,
                "piattaforme": BOOLEANS,
                "riuso": {
                    "type": "object",
                    "properties": {"codiceIPA": {"type": "string", "pattern": r"^[a-z0-9_]+$"}},
                },
            },
        },
    },
}

# SPDX licence expression: identifiers (with -only/-or-later, a `+`, LicenseRef-…) joined by
# AND / OR / WITH and parentheses.
SPDX_ID = r"(LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9.-]+\+?)"
SPDX = re.compile(rf"^\(*{SPDX_ID}\)*( (AND|OR|WITH) \(*{SPDX_ID}\)*)*$")


def problems(data: dict) -> list[str]:
    """Everything wrong with a publiccode.yml's content (empty: valid)."""
    validator = jsonschema.Draft202012Validator(SCHEMA)
    found = [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in validator.iter_errors(data)
    ]
    descriptions = data.get("description") or {}
    if isinstance(descriptions, dict) and descriptions:
        if not any("longDescription" in d for d in descriptions.values() if isinstance(d, dict)):
            found.append("description: longDescription is mandatory for at least one language")
        if not any("features" in d for d in descriptions.values() if isinstance(d, dict)):
            found.append("description: features are mandatory for at least one language")
    licence = (data.get("legal") or {}).get("license", "")
    if isinstance(licence, str) and not SPDX.match(licence):
        found.append(f"legal/license: {licence!r} is not an SPDX expression")
    return found


def ours() -> dict:
    return yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))


# The standard's own minimal example (docs/standard/example/publiccode.minimal.yml), as 0.4.
MINIMAL = """
publiccodeYmlVersion: "0.4"
name: Medusa
url: "https://example.com/italia/medusa.git"
platforms:
  - web
categories:
  - content-management
developmentStatus: development
softwareType: "standalone/desktop"
description:
  en:
    shortDescription: A rather short description which is probably useless
    longDescription: >
      Very long description of this software, also split on multiple rows. You should note
      what the software is and why one should need it. We can potentially have many pages.
    features:
      - Just one feature
legal:
  license: AGPL-3.0-or-later
maintenance:
  type: "community"
  contacts:
    - name: Francesco Rossi
localisation:
  localisationReady: true
  availableLanguages:
    - en
"""


def test_our_publiccode_yml_is_valid():
    assert problems(ours()) == []


def test_it_names_the_projects_licence_and_languages():
    data = ours()
    assert data["legal"]["license"] == "AGPL-3.0-or-later"
    assert data["localisation"]["availableLanguages"] == ["it", "en"]
    assert data["it"]["conforme"]["lineeGuidaDesign"] is True  # Bootstrap Italia's shell
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    assert version and data["softwareVersion"] == version.group(1)


def test_the_standards_own_example_is_valid():
    assert problems(yaml.safe_load(MINIMAL)) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("name",), None),
        (("developmentStatus",), "finished"),
        (("softwareType",), "standalone/cloud"),
        (("categories",), ["welfare-management"]),
        (("legal", "license"), "AGPL 3 or later"),
        (("maintenance", "contacts"), None),
        (("description", "en", "shortDescription"), "x" * 151),
        (("description", "en", "longDescription"), "too short"),
        (("localisation", "availableLanguages"), []),
        (("publiccodeYmlVersion",), "0.1"),
    ],
)
def test_a_broken_file_is_caught(path, value):
    data = copy.deepcopy(yaml.safe_load(MINIMAL))
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    assert problems(data), path
