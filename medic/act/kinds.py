"""What a parameter value may be: kinds from a parameter's name, and validation before anything runs.

A parameter's kinds come from its canonical name (``namespace``, ``cni-pod``, ``tools-dir``...) and from
where the runbook puts it (after ``-n``, ``kubectl get pod <x>``, ``ssh <host>``...: see
:mod:`medic.act.placement`). A value must satisfy every kind the parameter has. Rules that hold for every
kind: no control character (newline, NUL, DEL, C1, line and paragraph separators), at most
:data:`MAX_VALUE` characters, and no leading dash where the value would begin a word, unless the
runbook's own placeholder sits after a ``--`` end-of-options marker. Unicode dashes that look like ``-``
(U+2010–U+2015, U+2212, U+FE58, U+FE63, U+FF0D) count as a dash there.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum

from medic.errors import InputError

# a value is a word on a command line, never a document: 4096 is Linux's PATH_MAX, the longest real value
MAX_VALUE = 4096
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_RFC1123_LABEL = re.compile(rf"^{_LABEL}$")
_RFC1123_SUBDOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_HOSTNAME = re.compile(
    r"^(?:[a-z_][a-z0-9_.-]{0,31}@)?[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$"
)
_OBJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@+-]{0,252}$")
_CONTAINER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,252}$")
_INTEGER = re.compile(r"^[0-9]{1,18}$")
# Kubernetes quantities (512Mi, 0.5, 2G, 100m) and byte sizes (10GB)
_SIZE = re.compile(r"^[0-9]+(?:\.[0-9]+)?(?:[eE][0-9]+|[munkKMGTPE]i?|[KMGTPE]B)?$")
_DURATION = re.compile(r"^(?:[0-9]+(?:\.[0-9]+)?(?:ns|us|µs|ms|s|m|h|d|w)?)+$")
_URL = re.compile(r"^(?:(?:https?|ftp|s3|gs)://)?[^\s\"'`\\<>]+$")
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class ParamKind(StrEnum):
    K8S_NAME = "kubernetes name"
    NAMESPACE = "namespace"
    NODE = "node"
    CONTAINER = "container"
    OBJECT = "object name"
    PATH = "path"
    HOST = "host"
    URL = "url"
    INTEGER = "integer"
    SIZE = "size"
    DURATION = "duration"
    SECRET = "secret"
    TEXT = "text"


# what each kind accepts, said to the operator when a value is refused
RULES: dict[ParamKind, str] = {
    ParamKind.K8S_NAME: "a Kubernetes name is an RFC 1123 name (lowercase letters, digits, '-', '.'; at most 253)",
    ParamKind.NAMESPACE: "a namespace is an RFC 1123 label (lowercase letters, digits, '-'; at most 63)",
    ParamKind.NODE: "a node name is an RFC 1123 name (lowercase letters, digits, '-', '.')",
    ParamKind.CONTAINER: "a container name is letters, digits, '-', '_', '.' (starting with a letter or digit)",
    ParamKind.OBJECT: "a name is letters, digits, '-', '_', '.', ':', '@', '+' (starting with a letter or digit)",
    ParamKind.PATH: "a path is one line of text",
    ParamKind.HOST: "a host is a host name or an IP address (optionally user@host)",
    ParamKind.URL: "a URL holds no spaces, quotes, backslashes or angle brackets",
    ParamKind.INTEGER: "an integer is digits only",
    ParamKind.SIZE: "a size is a number with an optional unit (512Mi, 2G, 0.5, 100m)",
    ParamKind.DURATION: "a duration is a number with a unit (30s, 5m, 1h30m)",
    ParamKind.SECRET: "a secret is one line of text",
    ParamKind.TEXT: "a value is one line of text",
}

# last part of a canonical name → kind (``cni-namespace`` → namespace, ``grafana-pod`` → kubernetes name)
_NAME_SUFFIXES: dict[str, ParamKind] = {
    "namespace": ParamKind.NAMESPACE,
    "ns": ParamKind.NAMESPACE,
    "node": ParamKind.NODE,
    "container": ParamKind.CONTAINER,
    "pod": ParamKind.K8S_NAME,
    "deployment": ParamKind.K8S_NAME,
    "statefulset": ParamKind.K8S_NAME,
    "daemonset": ParamKind.K8S_NAME,
    "replicaset": ParamKind.K8S_NAME,
    "pvc": ParamKind.K8S_NAME,
    "pv": ParamKind.K8S_NAME,
    "claim": ParamKind.K8S_NAME,
    "configmap": ParamKind.K8S_NAME,
    "ingress": ParamKind.K8S_NAME,
    "storageclass": ParamKind.K8S_NAME,
    "storage-class": ParamKind.K8S_NAME,
    "serviceaccount": ParamKind.K8S_NAME,
    "service-account": ParamKind.K8S_NAME,
    "job": ParamKind.K8S_NAME,
    "cronjob": ParamKind.K8S_NAME,
    "pdb": ParamKind.K8S_NAME,
    "host": ParamKind.HOST,
    "hostname": ParamKind.HOST,
    "domain": ParamKind.HOST,
    "ip": ParamKind.HOST,
    "server": ParamKind.HOST,
    "dir": ParamKind.PATH,
    "directory": ParamKind.PATH,
    "path": ParamKind.PATH,
    "file": ParamKind.PATH,
    "device": ParamKind.PATH,
    "url": ParamKind.URL,
    "endpoint": ParamKind.URL,
    "port": ParamKind.INTEGER,
    "replicas": ParamKind.INTEGER,
    "count": ParamKind.INTEGER,
    "index": ParamKind.INTEGER,
    "revision": ParamKind.INTEGER,
    "size": ParamKind.SIZE,
    "timeout": ParamKind.DURATION,
    "duration": ParamKind.DURATION,
    "since": ParamKind.DURATION,
    "interval": ParamKind.DURATION,
    "service": ParamKind.OBJECT,
    "unit": ParamKind.OBJECT,
    "resource": ParamKind.OBJECT,
    "volume": ParamKind.OBJECT,
    "release": ParamKind.OBJECT,
}


def kinds_from_name(name: str, secret: bool) -> set[ParamKind]:
    """``cni-namespace`` → {namespace}; ``grafana-pod`` → {kubernetes name}; ``storage-key`` → {secret}."""
    kinds: set[ParamKind] = {ParamKind.SECRET} if secret else set()
    parts = name.split("-")
    if len(parts) > 1 and parts[-1] == "name":
        parts = parts[:-1]  # pv-name → pv, container-name → container
    for n in (2, 1):
        tail = "-".join(parts[-n:])
        if len(parts) >= n and tail in _NAME_SUFFIXES:
            kinds.add(_NAME_SUFFIXES[tail])
            break
    return kinds or {ParamKind.TEXT}


def normalise_dashes(value: str) -> str:
    """Dashes that look like ``-`` (``‐``, ``–``, ``−``, ``－``...) read as ``-``."""
    return value.translate({ord(c): "-" for c in _DASHES})


def _ok(kind: ParamKind, value: str) -> bool:
    if kind is ParamKind.K8S_NAME or kind is ParamKind.NODE:
        return len(value) <= 253 and bool(_RFC1123_SUBDOMAIN.match(value))
    if kind is ParamKind.NAMESPACE:
        return bool(_RFC1123_LABEL.match(value))
    if kind is ParamKind.CONTAINER:
        return bool(_CONTAINER.match(value))
    if kind is ParamKind.OBJECT:
        return bool(_OBJECT.match(value))
    if kind is ParamKind.HOST:
        try:
            ipaddress.ip_address(value.strip("[]"))
            return True
        except ValueError:
            return len(value) <= 253 + 33 and bool(_HOSTNAME.match(value))
    if kind is ParamKind.URL:
        return bool(_URL.match(value))
    if kind is ParamKind.INTEGER:
        return bool(_INTEGER.match(value))
    if kind is ParamKind.SIZE:
        return bool(_SIZE.match(value))
    if kind is ParamKind.DURATION:
        return bool(_DURATION.match(value))
    return True  # path, secret, text: the rules every value obeys are checked by validate


def validate(name: str, value: str, kinds: set[ParamKind], dash_ok: bool = False, secret: bool = False) -> None:
    """Raise :class:`InputError` (one line) unless ``value`` fits every kind of parameter ``name``."""
    shown = "<redacted>" if secret else repr(value if len(value) <= 80 else value[:77] + "...")

    def refuse(why: str) -> InputError:
        return InputError(f"--set {name}={shown}: {why}")

    if _CONTROL.search(value):
        raise refuse("a value may not hold a control character (newline, NUL, escape...)")
    if len(value) > MAX_VALUE:
        raise refuse(f"a value is at most {MAX_VALUE} characters")
    for kind in sorted(kinds):
        if not _ok(kind, value):
            raise refuse(RULES[kind])
    if normalise_dashes(value[:1]) == "-" and not dash_ok:
        raise refuse("a value may not start with '-' (it would be read as an option)")
