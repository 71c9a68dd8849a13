"""The registry of export formats, declared as data: detection rule + column mapping + time rule.

A format is detected from content: the header columns of a CSV, or the keys of the
first JSON record (nested keys flattened with dots, e.g. ``labels.severity``). The
first format in ``FORMATS`` whose ``detect`` keys are all present (and whose
``absent`` keys are not) wins; the generic formats come last. ``format=`` overrides.

Mapping values (canonical -> source) may be:
  * a column name (dotted for nested JSON), e.g. ``"jsonPayload.message"``;
  * a list of alternatives, the first non-empty value per row wins (an alternative
    holding any value that did not win stays an extra column, frame.resolve);
  * ``"A+B"``: columns joined with a space (split date and time columns);
  * ``"=text"``: a constant (e.g. ``{"service": "=checkout-api"}`` for ``git log``).
A few mapping keys are options, not columns: ``time_format`` (strptime),
``dayfirst`` ("true"), ``year`` (for times without a year), ``time_unit`` (epoch).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import ParameterError

MappingValue = str | tuple[str, ...]
# ISO 8601 with an offset: Arrow reads such a column straight to UTC timestamps
ISO_AWARE = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$")
OPTION_KEYS = ("time_format", "dayfirst", "year", "time_unit")


@dataclass(frozen=True)
class TimeRule:
    """How a format's time column is written (declared with the format, or by the user)."""

    format: str | None = None  # strptime format; None: ISO 8601 / epoch, detected
    dayfirst: bool = False
    year: int | None = None  # for formats without a year (syslog)
    unit: str | None = None  # epoch unit when the format states it: s, ms, us, ns
    zone: str | None = None  # zone the format (or the file) states for naive values: wins
    zone_from: str = ""  # who states it, for the warning when tz= says otherwise
    zone_hint: str = ""  # where the format's naive times get their zone, for the error


@dataclass(frozen=True)
class Format:
    """One export format: how to recognise it, where its canonical fields live, its times."""

    name: str
    kind: str  # alerts | logs | changes
    containers: tuple[str, ...]  # csv, json, text
    detect: frozenset[str]  # source fields that must all be present
    mapping: Mapping[str, MappingValue] = field(default_factory=dict)
    time: TimeRule = field(default_factory=TimeRule)
    absent: frozenset[str] = frozenset()  # fields that must not be present
    top: frozenset[str] = frozenset()  # JSON: keys of the top-level object
    # JSON: key holding the list of records (or a "get one" response's one record), or
    # several such keys, the first a wrapper object has wins: ("incidents", "incident")
    records: str | tuple[str, ...] | None = None
    derive: str | None = None  # kind-specific post-processing step
    zone_key: str | None = None  # JSON: top-level key stating the zone of naive times
    # source fields named like a canonical column that mean something else there: kept as
    # extras (x_<name>) unless the user maps them, never read as that canonical column
    not_canonical: frozenset[str] = frozenset()
    description: str = ""


_SETS = ("absent", "top", "not_canonical")


def _f(name, kind, containers, detect, mapping=None, **kw) -> Format:
    return Format(
        name=name,
        kind=kind,
        containers=tuple(containers.split(",")),
        detect=frozenset(detect),
        mapping=mapping or {},
        **{k: frozenset(v) if k in _SETS else v for k, v in kw.items()},
    )


# PagerDuty's incident_key is its de-duplication key (a hash of the event, reused when the
# same problem pages again after a resolution), not a grouping of rows: each row is already
# one incident, and incidents are correlated by time (batch/grouping.py).
_PD_NOT_CANONICAL = {"incident_key"}

_AM_SERVICE = ("labels.service", "labels.job", "labels.app", "labels.namespace")
_AM_TITLE = ("annotations.summary", "labels.alertname")

FORMATS: tuple[Format, ...] = (
    # ---------------------------------------------------------------- alerts
    _f(
        "pagerduty_csv",
        "alerts",
        "csv",
        {"incident_number", "description", "created_on"},
        {
            "alert_id": "incident_number",
            "source": "=pagerduty",
            "service": "service_name",
            "title": "description",
            "started_at": "created_on",
            "resolved_at": "resolved_on",
            "status": "status",
            "acknowledged_by": "acknowledged_by_user_names",
        },
        derive="pagerduty_summary",
        not_canonical=_PD_NOT_CANONICAL,
        description="PagerDuty incident CSV report export (created_on, seconds_to_first_ack)",
    ),
    _f(
        "pagerduty_analytics",
        "alerts",
        "csv,json",
        {"incident_number", "created_at", "seconds_to_first_ack"},
        {
            "alert_id": "incident_number",
            "source": "=pagerduty",
            "service": "service_name",
            "title": "description",
            "started_at": "created_at",
            "resolved_at": "resolved_at",
            "status": "status",
        },
        records="data",
        derive="pagerduty_summary",
        zone_key="time_zone",
        time=TimeRule(
            zone_hint="PagerDuty Analytics writes times in the time_zone its request named "
            "(Etc/UTC when the request named none): give that zone."
        ),
        not_canonical=_PD_NOT_CANONICAL,
        description="PagerDuty Analytics raw incidents (naive times in the request's zone)",
    ),
    _f(
        "pagerduty_log_entries",
        "alerts",
        "json",
        {"type", "created_at", "incident.id"},
        records="log_entries",
        derive="pagerduty_log_entries",
        not_canonical=_PD_NOT_CANONICAL,
        description="PagerDuty REST log entries (trigger/acknowledge/resolve)",
    ),
    _f(
        "pagerduty_incidents",
        "alerts",
        "json",
        {"incident_number", "created_at", "service.summary"},
        {
            "alert_id": "incident_number",
            "source": "=pagerduty",
            "service": "service.summary",
            "title": "title",
            "started_at": "created_at",
            "resolved_at": ("resolved_at",),
            "status": "status",
        },
        # GET /incidents lists them; GET /incidents/{id} and POST /incidents give one
        records=("incidents", "incident"),
        derive="pagerduty_incidents",
        not_canonical=_PD_NOT_CANONICAL,
        description="PagerDuty REST API incidents (a list, {'incidents': [...]} or "
        "{'incident': {...}})",
    ),
    _f(
        "opsgenie",
        "alerts",
        "csv,json",
        {"tinyId", "createdAt", "message"},
        {
            "alert_id": "tinyId",
            "source": "=opsgenie",
            # Opsgenie alerts have no service; entity is its field for "the application or
            # server the alert is about" (docs: Alerts and alert fields)
            "service": ("details.service", "entity"),
            "title": "message",
            "severity_raw": "priority",
            "started_at": "createdAt",
            "status": "status",
            "acknowledged_by": "report.acknowledgedBy",
        },
        records="data",
        derive="opsgenie",
        description="Opsgenie alerts: API JSON or CSV with its field names (tinyId, createdAt)",
    ),
    _f(
        "grafana_webhook",
        "alerts",
        "json",
        {"labels", "startsAt"},
        top={"orgId", "alerts"},
        records="alerts",
        mapping={
            "alert_id": "fingerprint",
            "source": "=grafana",
            "service": _AM_SERVICE,
            "severity_raw": "labels.severity",
            "title": _AM_TITLE,
            "started_at": "startsAt",
            "status": "status",
        },
        derive="alertmanager",
        description="Grafana alerting webhook payload",
    ),
    _f(
        "alertmanager_webhook",
        "alerts",
        "json",
        {"labels", "startsAt"},
        top={"groupKey", "alerts"},
        records="alerts",
        mapping={
            "alert_id": "fingerprint",
            "source": "=alertmanager",
            "service": _AM_SERVICE,
            "severity_raw": "labels.severity",
            "title": _AM_TITLE,
            "started_at": "startsAt",
            "status": "status",
        },
        derive="alertmanager",
        description="Prometheus Alertmanager webhook payload(s): one, a list, or JSON lines",
    ),
    _f(
        "alertmanager_groups",
        "alerts",
        "json",
        {"labels", "startsAt"},
        top={"alerts", "receiver", "labels"},
        records="alerts",
        mapping={
            "alert_id": "fingerprint",
            "source": "=alertmanager",
            "service": _AM_SERVICE,
            "severity_raw": "labels.severity",
            "title": _AM_TITLE,
            "started_at": "startsAt",
            "status": "status.state",
        },
        derive="alertmanager",
        description="Alertmanager /api/v2/alerts/groups response",
    ),
    _f(
        "alertmanager_api",
        "alerts",
        "json",
        {"labels", "startsAt", "fingerprint", "status.state"},
        {
            "alert_id": "fingerprint",
            "source": "=alertmanager",
            "service": _AM_SERVICE,
            "severity_raw": "labels.severity",
            "title": _AM_TITLE,
            "started_at": "startsAt",
            "status": "status.state",
        },
        derive="alertmanager",
        description="Alertmanager /api/v2/alerts response",
    ),
    _f(
        "generic_alerts",
        "alerts",
        "csv,json",
        set(),
        derive="generic_alerts",
        description="Any CSV/JSON: columns named like the canonical ones, or a mapping",
    ),
    # ------------------------------------------------------------------ logs
    _f(
        "splunk_csv",
        "logs",
        "csv",
        {"_time", "_raw"},
        {"timestamp": "_time", "message": "_raw", "host": "host"},
        description="Splunk search results CSV export (_time, _raw, host, source, sourcetype)",
    ),
    _f(
        "cloudwatch_insights_csv",
        "logs",
        "csv",
        {"@timestamp", "@message"},
        {"timestamp": "@timestamp", "message": "@message"},
        time=TimeRule(zone="UTC", zone_from="CloudWatch Logs Insights writes @timestamp in UTC"),
        description="CloudWatch Logs Insights CSV (@timestamp in UTC, @message, @logStream)",
    ),
    _f(
        "elastic_csv",
        "logs",
        "csv",
        {"@timestamp"},
        {
            "timestamp": "@timestamp",
            "message": "message",
            "level": ("log.level", "level"),
            "service": ("service.name", "service"),
            "host": ("host.name", "host.hostname", "host"),
        },
        description="Elastic/Kibana Discover CSV export (@timestamp, ECS field names)",
    ),
    _f(
        "loghub_hdfs",
        "logs",
        "csv",
        {"LineId", "Date", "Time", "Pid", "Component", "Content"},
        {"timestamp": "Date+Time", "level": "Level", "message": "Content"},
        time=TimeRule(format="%y%m%d %H%M%S"),
        description="LogHub structured CSV, HDFS style (Date yymmdd, Time HHMMSS)",
    ),
    _f(
        "loghub_syslog",
        "logs",
        "csv",
        {"LineId", "Month", "Date", "Time", "Content"},
        {"timestamp": "Month+Date+Time", "level": "Level", "message": "Content"},
        time=TimeRule(format="%b %d %H:%M:%S"),
        description="LogHub structured CSV, syslog style (Month, Date, Time: needs a year)",
    ),
    _f(
        "loghub_csv",
        "logs",
        "csv",
        {"LineId", "Date", "Time", "Content"},
        {"timestamp": "Date+Time", "level": "Level", "message": "Content"},
        description="LogHub structured CSV with separate Date and Time columns",
    ),
    _f(
        "gcp_logentry",
        "logs",
        "json",
        {"timestamp", "logName"},
        {
            "timestamp": "timestamp",
            "level": "severity",
            "message": ("jsonPayload.message", "textPayload", "jsonPayload.msg"),
            "service": (
                "resource.labels.service_name",
                "resource.labels.container_name",
                "resource.labels.module_id",
            ),
            "host": ("resource.labels.instance_id", "resource.labels.pod_name"),
        },
        derive="gcp_logentry",
        description="Google Cloud LogEntry JSON / JSON lines (payload, request or audit log)",
    ),
    _f(
        "loki_jsonl",
        "logs",
        "json",
        {"line", "timestamp", "labels"},
        {
            "timestamp": "timestamp",
            "message": "line",
            "level": ("labels.level", "labels.detected_level", "labels.severity"),
            "service": ("labels.service_name", "labels.service", "labels.app", "labels.job"),
            "host": ("labels.host", "labels.instance", "labels.pod"),
        },
        description="Grafana Loki `logcli query -o jsonl` output",
    ),
    _f(
        "generic_logs",
        "logs",
        "csv,json",
        set(),
        description="Any CSV/TSV/JSON lines: columns named like the canonical ones, or a mapping",
    ),
    # --------------------------------------------------------------- changes
    _f(
        "github_deployments",
        "changes",
        "json",
        {"sha", "ref", "environment", "statuses_url"},
        {
            "timestamp": "created_at",
            "kind": "=deploy",
            "author": "creator.login",
            "description": ("description",),
        },
        derive="github_deployments",
        description="GitHub REST API deployments JSON",
    ),
    _f(
        "github_releases",
        "changes",
        "json",
        {"tag_name", "published_at"},
        {
            "timestamp": ("published_at", "created_at"),
            "kind": "=release",
            "author": "author.login",
            "description": ("name", "tag_name"),
        },
        derive="github_releases",
        description="GitHub REST API releases JSON",
    ),
    _f(
        "git_log",
        "changes",
        "text",
        set(),
        derive="git_log",
        description="git log --date=iso-strict --pretty=format:'%H%x09%ad%x09%an%x09%s'",
    ),
    _f(
        "generic_changes",
        "changes",
        "csv,json",
        set(),
        description="Any CSV/JSON: columns named like the canonical ones, or a mapping",
    ),
)

BY_NAME = {f.name: f for f in FORMATS}


def formats_for(kind: str) -> list[Format]:
    return [f for f in FORMATS if f.kind == kind]


def get_format(name: str, kind: str) -> Format:
    """Look a format up by name; an unknown name lists the valid choices."""
    fmt = BY_NAME.get(name)
    if fmt is None or fmt.kind != kind:
        choices = ", ".join(f.name for f in formats_for(kind))
        raise ParameterError(f"Unknown {kind} format {name!r}; choose one of: {choices}.")
    return fmt


def detect_json(kind: str, probe) -> Format:
    """First JSON format whose rule matches the records it would read (``probe(records_key)``)."""
    for fmt in formats_for(kind):
        if "json" not in fmt.containers or not fmt.detect:
            continue
        top, keys = probe(fmt.records)
        if fmt.top and not fmt.top <= top:
            continue
        if fmt.detect <= keys and not (fmt.absent & keys):
            return fmt
    return detect(kind, "json", set())


def detect(kind: str, container: str, fields: set[str], top: set[str] | None = None) -> Format:
    """First registered format of this kind whose rule matches; the generic one otherwise."""
    for fmt in formats_for(kind):
        if container not in fmt.containers or not fmt.detect:
            continue
        if fmt.top and (top is None or not fmt.top <= top):
            continue
        if fmt.detect <= fields and not (fmt.absent & fields):
            return fmt
    for fmt in formats_for(kind):
        if not fmt.detect and container in fmt.containers:
            return fmt
    raise ParameterError(f"No {kind} format reads {container} input.")


def _loose(name: str) -> str:
    """Case and word separators ignored; a leading "@" or "_" (Splunk, CloudWatch) kept."""
    name = name.strip()
    lead = re.match(r"^[^0-9A-Za-z]*", name).group(0)
    return lead + re.sub(r"[\s_.\-]", "", name[len(lead) :].lower())


def mapping_sources(mapping: Mapping[str, MappingValue]) -> set[str]:
    """Every source column a mapping names (alternatives, ``a+b`` joins; not ``=constants``)."""
    out: set[str] = set()
    for value in mapping.values():
        for v in value if isinstance(value, tuple) else (value,):
            if not str(v).startswith("="):
                out.update(str(v).split("+"))
    return out


# other names a canonical column goes by in hand-made exports (used when no column has
# the canonical name itself, whatever its case)
ALIASES = {"timestamp": ("time",)}


def loose_columns(canonical, names, taken=()) -> dict[str, str]:
    """{canonical: source name} for canonical columns no source column names exactly but one
    names loosely (``Timestamp``, ``Started At``, ``ALERT-ID``; ``Time`` for ``timestamp``
    when there is no separate date column). Names in ``taken`` are never reused."""
    by_loose: dict[str, str] = {}
    for name in names:
        by_loose.setdefault(_loose(str(name)), str(name))
    out: dict[str, str] = {}
    used = set(taken)
    for canon in canonical:
        if canon in names:
            continue
        for alias in (canon, *ALIASES.get(canon, ())):
            if alias != canon and "date" in by_loose:  # Date + Time: a join, not an alias
                continue
            name = by_loose.get(_loose(alias))
            if name is not None and name not in used:
                out[canon] = name
                used.add(name)
                break
    return out


def detect_csv(kind: str, names: list[str]) -> tuple[Format, dict[str, str]]:
    """``detect`` on a CSV header; failing that, the same rules ignoring case, spaces and
    punctuation (a UI export's "Created At" for the API's ``createdAt``).

    Returns the format and the renaming {header name: the format's name} that makes the
    header match; the renaming is empty for an exact match or no match.
    """
    fmt = detect(kind, "csv", set(names))
    if fmt.detect:
        return fmt, {}
    by_loose: dict[str, str] = {}
    for name in names:
        by_loose.setdefault(_loose(name), name)
    for cand in formats_for(kind):
        if "csv" not in cand.containers or not cand.detect or cand.top:
            continue
        if not all(_loose(f) in by_loose for f in cand.detect):
            continue
        if any(_loose(a) in by_loose for a in cand.absent):
            continue
        rename = {}
        for wanted in cand.detect | mapping_sources(cand.mapping):
            actual = by_loose.get(_loose(wanted))
            if actual is not None and actual != wanted and wanted not in names:
                rename[actual] = wanted
        return cand, rename
    return fmt, {}
