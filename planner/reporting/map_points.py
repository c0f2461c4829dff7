"""The point layers on the page: empty Folium groups (listed by the layer switcher) filled by the page script.

:class:`PointLayers` puts the map's data (:func:`planner.reporting.map_data.map_data`)
and the drawing script (``planner/static/map_layers.js``) into the page once,
outside folium's templates, and one short call after the groups are made.
"""

from __future__ import annotations

from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from planner.reporting.map_assets import page_script
from planner.reporting.map_data import script_json

__all__ = ["RawHtml", "PointLayers"]


class RawHtml(Element):
    """HTML put into the page as written: not a Jinja template (folium renders its scripts as templates)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        """The text itself."""
        return self._text


class PointLayers(MacroElement):
    """Calls ``plannerLayers(map, data, groups)`` once the map and its layer groups exist."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
window.plannerLayers({{ this._parent.get_name() }}, window.plannerMapData, {
{%- for key, name in this.groups.items() %}
  {{ key|tojson }}: {{ name }},
{%- endfor %}
  "sites": {
{%- for key, name in this.sites.items() %}
    {{ key|tojson }}: {{ name }},
{%- endfor %}
  }
});
{% endmacro %}
"""
    )

    def __init__(self, data: dict[str, Any], groups: dict[str, folium.FeatureGroup],
                 sites: dict[str, folium.FeatureGroup]) -> None:
        super().__init__()
        self._name = "PlannerPointLayers"
        self._data = data
        self.groups = {k: g.get_name() for k, g in groups.items()}
        self.sites = {k: g.get_name() for k, g in sites.items()}

    def render(self, **kwargs: Any) -> None:
        """Put the data and the drawing script into the page body, then the call into the map's script."""
        root = self.get_root()
        root.html.add_child(RawHtml(f"<script>window.plannerMapData = {script_json(self._data)};</script>"
                                    f"<script>{page_script()}</script>"), name="planner_point_data")
        super().render(**kwargs)
