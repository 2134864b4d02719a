"""The map page's vocabulary and palettes, defined once here (no Qt).

The page (``resources/web/citygrid.js``) holds no list of categories, priorities or roles:
the widget sends events and staff with small-integer codes (a code's index in the
vocabulary's ordered lists, :mod:`models.core.enums`), and :func:`page_vocabulary` is written
into the page when it is built, so the page looks colours and sizes up by code name.
"""

from __future__ import annotations

from models.core.enums import (
    CATEGORY_CODES,
    CENTRE_ROLES,
    PRIORITY_CODES,
    ROLE_CODES,
    Priority,
    StaffRole,
)

CATEGORY_COLOURS: dict[str, str] = {
    "party": "#e74c3c", "city": "#3498db", "security": "#9b59b6", "environment": "#2ecc71",
    "emergency": "#f39c12", "other": "#95a5a6"}
"""An event's fill on the map, by category."""

PRIORITY_RADIUS: dict[str, int] = {
    Priority.LOW: 3, Priority.NORMAL: 4, Priority.HIGH: 5, Priority.URGENT: 7}
"""An event's radius on the map (pixels), by priority."""

RING_PRIORITY = Priority.URGENT
"""A cluster holding an event of this priority (or higher) is ringed in red."""

_CENTRE_COLOUR = (255, 110, 199)
ROLE_COLOURS: dict[str, tuple[int, int, int]] = {
    StaffRole.SUPERVISOR: (255, 214, 10), StaffRole.MANAGER: (64, 196, 255),
    StaffRole.ASSISTANT: (0, 230, 118), StaffRole.VOLUNTEER: (200, 200, 200),
    **{role: _CENTRE_COLOUR for role in CENTRE_ROLES}, StaffRole.HANDLER: (255, 145, 0)}
"""A staff marker's colour (RGB), by role: the command centre's roles share one."""

OFF_DUTY_FLAG = 16
"""Or-ed into a staff marker's role code when the worker is off duty (drawn dimmed); the
role codes stay below it."""

# the legend's lines, in the legend's order (the centre's roles have none)
CATEGORY_LEGEND: dict[str, str] = {
    "party": "党建 Party", "city": "城管 City", "security": "综治 Security",
    "environment": "环保 Environment", "emergency": "应急 Emergency", "other": "其他 Other"}
ROLE_LEGEND: dict[str, str] = {
    StaffRole.SUPERVISOR: "监督员 Supervisor", StaffRole.MANAGER: "管理员 Manager",
    StaffRole.ASSISTANT: "协管员 Assistant", StaffRole.VOLUNTEER: "志愿者 Volunteer",
    StaffRole.HANDLER: "部门 Handler"}

if set(CATEGORY_COLOURS) != set(CATEGORY_CODES) or set(CATEGORY_LEGEND) != set(CATEGORY_CODES):
    raise RuntimeError("the map's category palette does not match CATEGORY_CODES")
if set(PRIORITY_RADIUS) != set(PRIORITY_CODES):
    raise RuntimeError("the map's priority radii do not match PRIORITY_CODES")
if set(ROLE_COLOURS) != set(ROLE_CODES) or len(ROLE_CODES) > OFF_DUTY_FLAG:
    raise RuntimeError("the map's role palette does not match ROLE_CODES")


def page_vocabulary() -> dict:
    """What the page is told once, when it is built: the ordered code lists (an index sent
    in a batch is a position in these) and the palettes keyed by code (plain JSON types)."""
    return {
        "category": list(CATEGORY_CODES), "priority": list(PRIORITY_CODES),
        "role": list(ROLE_CODES), "off_duty_flag": OFF_DUTY_FLAG,
        "category_colours": {str(k): v for k, v in CATEGORY_COLOURS.items()},
        "priority_radius": {str(k): v for k, v in PRIORITY_RADIUS.items()},
        "ring_priority": str(RING_PRIORITY),
        "role_colours": {str(k): list(v) for k, v in ROLE_COLOURS.items()},
        "legend": {"category": [[str(k), v] for k, v in CATEGORY_LEGEND.items()],
                   "role": [[str(k), v] for k, v in ROLE_LEGEND.items()]},
    }
