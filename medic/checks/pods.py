"""Pod and container checks (POD1xx): crash loops, OOM kills, image pulls, config errors, probes, restarts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from medic.checks.fields import dicts, get_dict
from medic.checks.kube import (
    after_last,
    age_seconds,
    as_dict,
    as_list,
    by_name,
    conditions,
    container_statuses,
    duration_text,
    event_age_seconds,
    event_container,
    event_line,
    get,
    human_age,
    known_name,
    listed_completely,
    log_tail,
    meta,
    name_of,
    namespace_of,
    owner,
    pod_phase,
    pods_by_phase,
    ref,
    too_recent,
    unshown_events,
    warning_events,
)
from medic.checks.registry import Hit, check
from medic.model import ObjectRef, Severity, Snapshot


def _last_exit(cs: dict[str, Any]) -> tuple[str, str]:
    """(reason, exit code) of the container's last termination, '' when unknown (1.0 kubelets wrote the
    OOM reason as ``OOM Killed``: read as today's ``OOMKilled``)."""
    term = get_dict(cs, "lastState", "terminated") or get_dict(cs, "state", "terminated")
    reason = str(term.get("reason") or "")
    return ("OOMKilled" if reason == "OOM Killed" else reason), str(term.get("exitCode", ""))


def _exit_text(reason: str, code: Any, lead: str = " (last exit: ", tail: str = ")") -> str:
    """`` (last exit: Error 1)`` from what is known of a termination; "" when nothing is (a ``get pods`` row
    shows only the STATUS column and the restarts)."""
    reason = "" if reason in ("", "unknown") else reason
    code = "" if code in (None, "", "?") else str(code)
    known = f"{reason} {code}" if reason and code else reason or (f"exit code {code}" if code else "")
    return f"{lead}{known}{tail}" if known else ""


@check(
    "POD101",
    Severity.ERROR,
    "Container restarting in CrashLoopBackOff",
    "{container} is in CrashLoopBackOff{restarts}{last_exit}",
    looks_at=("pods", "events"),
    links=(
        "kubernetes-pods.md#application-exits-with-code-1-on-a-configuration-error-crashloopbackoff",
        "kubernetes-pods.md#container-exits-with-code-126-127-or-139-and-loops-in-crashloopbackoff",
    ),
)
def crash_loop(snap: Snapshot) -> Iterator[Hit]:
    """A container keeps exiting and the kubelet restarts it with a growing back-off.

    The message gives the last termination's reason and exit code (1: the application gave up, often on
    configuration; 126/127: the command cannot run or is missing; 137: killed, see POD102; 139: segfault).
    Evidence: the waiting message and the pod's warning events (``BackOff``).

    On pasted output the kubelet's ``BackOff`` events (``Back-off restarting failed container``) of a pod
    the paste does not show are enough: the kubelet sends them only while it holds a crashed container back
    (before 1.5, inside a ``FailedSync`` event: ``... with CrashLoopBackOff: "Back-off 20s restarting failed
    container=web pod=..."``).
    """
    yield from _crash_loop_from_events(snap)
    for pod in _troubled(snap):
        for cs in container_statuses(pod):
            waiting = get_dict(cs, "state", "waiting")
            if waiting.get("reason") != "CrashLoopBackOff":
                continue
            reason, code = _last_exit(cs)
            if reason == "OOMKilled":
                continue  # POD102 says it better
            evidence = [str(waiting.get("message") or "")]
            evidence += [event_line(e) for e in warning_events(snap, "pods", pod)[-4:]]
            yield Hit(
                ref("pods", pod),
                {
                    "container": _label(False, cs),
                    "restarts": f" after {cs.get('restartCount', 0)} restarts",
                    "last_exit": _exit_text(reason, code),
                },
                evidence,
            )


_RESTART_BACKOFF = re.compile(r"^Back-off restarting failed container(?: (\S+))?")
# kubelets before 1.5 wrapped the back-off in a FailedSync event: ``Error syncing pod, skipping: failed to
# "StartContainer" for "web" with CrashLoopBackOff: "Back-off 20s restarting failed container=web pod=..."``
_SYNC_BACKOFF = re.compile(r'with CrashLoopBackOff: "Back-off \S+ restarting failed container=([^\s"]+)')
_STARTED = re.compile(r"^(?:Started|Created) container (\S+)$")


def _crash_loop_from_events(snap: Snapshot) -> Iterator[Hit]:
    """POD101 on a paste: pods the paste does not show with recent ``Back-off restarting failed container``
    events, one finding per container the events name."""
    for (ns, name), evs in sorted(unshown_events(snap, "Pod").items()):
        by_container: dict[str, list[dict[str, Any]]] = {}
        # before 1.26 the message names no container: the one the pod's Started events name, when only one
        started = {m.group(1) for e in evs if (m := _STARTED.match(str(e.get("message") or "")))}
        only = next(iter(started)) if len(started) == 1 else ""
        for ev in _recent(snap, evs):
            m = _RESTART_BACKOFF.match(str(ev.get("message") or ""))
            if ev.get("reason") == "BackOff" and m:
                container = m.group(1) or event_container(ev) or only
                by_container.setdefault(container, []).append(ev)
            elif sync := _SYNC_BACKOFF.search(str(ev.get("message") or "")):
                by_container.setdefault(sync.group(1), []).append(ev)
        for container, mine in sorted(by_container.items()):
            yield Hit(
                ObjectRef("Pod", ns, name),
                {
                    "container": f"container {container}" if container else "a container",
                    "restarts": f" ({_count(mine)} back-offs)",
                    "last_exit": "",
                },
                [event_line(e) for e in mine[-3:]],
            )


@check(
    "POD102",
    Severity.ERROR,
    "Container killed for exceeding its memory limit (OOMKilled)",
    "{container} was OOMKilled (exit code {exit_code}{limit}){restarts}",
    looks_at=("pods",),
    links=("kubernetes-pods.md#container-killed-with-oomkilled-exit-code-137-and-restarting-in-crashloopbackoff",),
)
def oom_killed(snap: Snapshot) -> Iterator[Hit]:
    """The container's current or last termination reason is ``OOMKilled``: it used more memory than its
    limit (or the node ran out). Raise the limit or find the leak; the message shows the limit it had
    (when the pod's spec is known).

    A pod that ended ``Succeeded`` or ``Failed`` with an OOM-killed container is reported too (a Job's pod,
    a pod with ``restartPolicy: Never``): the kill is what ended it, or cut its work short.
    """
    for pod in _oom_candidates(snap):
        for cs in container_statuses(pod):
            reason, code = _last_exit(cs)
            if reason != "OOMKilled":
                continue
            name = str(cs.get("name") or "")
            specs = list(dicts(get(pod, "spec", "containers")))
            limits = {str(c.get("name")): get(c, "resources", "limits", "memory", default="") for c in specs}
            limit = limits.get(name, "") if specs else None
            yield Hit(
                ref("pods", pod),
                {
                    "container": _label(False, cs),
                    "exit_code": code or "137",
                    "limit": "" if limit is None else f", memory limit {limit}" if limit else ", no memory limit",
                    # a go-template's lastState alone does not show the count
                    "restarts": f", {cs['restartCount']} restarts" if "restartCount" in cs else "",
                },
                [f"Last State: Terminated  Reason: OOMKilled  Exit Code: {code or 137}"],
            )


# --- shared readers for the checks below --------------------------------------------------------------

# events older than this are history: the API server keeps events for an hour by default
EVENT_MAX_AGE = 3600.0
# a pod scheduled this long ago that still creates its containers is stuck, not slow
STUCK_CREATING_SECONDS = 5 * 60
# a pod still Terminating this long after its grace period ended is stuck
STUCK_TERMINATING_SECONDS = 5 * 60
# a running container not ready for this long is not starting slowly any more
NOT_READY_SECONDS = 10 * 60
# restarts that make a container flapping rather than unlucky, and how recent the last one must be
RESTART_THRESHOLD = 10
RESTART_RECENT_SECONDS = 24 * 3600

PULL_REASONS = ("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable")
CONFIG_REASONS = ("CreateContainerConfigError", "CreateContainerError")
CREATING_REASONS = ("ContainerCreating", "PodInitializing")


def _troubled(snap: Snapshot) -> list[dict[str, Any]]:
    """Pods that may have something to report: not Running/Succeeded, being deleted, with a container that
    has restarted, or (Running) with a container that is not ready. Built in one pass per snapshot, so each
    pod check skips the healthy majority of a large cluster."""
    key = "pods:troubled"
    if key not in snap.cache:
        found: list[dict[str, Any]] = []
        for pod in snap.items("pods"):
            st = pod.get("status")
            md = pod.get("metadata")
            if not isinstance(st, dict) or (isinstance(md, dict) and md.get("deletionTimestamp")):
                found.append(pod)
                continue
            phase = st.get("phase")
            if phase != "Running" and phase != "Succeeded":
                found.append(pod)
                continue
            running = phase == "Running"
            for cs in dicts(st.get("containerStatuses")):
                if cs.get("restartCount") or (running and not cs.get("ready")):
                    found.append(pod)
                    break
        snap.cache[key] = found
    pods: list[dict[str, Any]] = snap.cache[key]
    return pods


def _oom_candidates(snap: Snapshot) -> list[dict[str, Any]]:
    """Troubled pods, and Succeeded pods (not troubled, but a container of theirs may have been OOM killed:
    its state is then terminated/OOMKilled though the pod's phase says it is done)."""
    done = [p for p in pods_by_phase(snap).get("Succeeded", []) if p not in _troubled(snap)]
    return _troubled(snap) + done


def _statuses(pod: dict[str, Any]) -> Iterator[tuple[bool, dict[str, Any]]]:
    """(is init container, status) for init containers then containers."""
    for cs in container_statuses(pod, init=True):
        yield True, cs
    for cs in container_statuses(pod):
        yield False, cs


def _label(init: bool, cs: dict[str, Any]) -> str:
    """``container api`` / ``init container setup``; ``a container`` when the name was not shown."""
    name = known_name(cs)
    if not name:
        return "an init container" if init else "a container"
    return ("init container " if init else "container ") + name


def _ago(seconds: float | None) -> str:
    return f" {human_age(seconds)} ago" if seconds is not None else ""


def _recent(snap: Snapshot, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events seen within the last hour of the snapshot (all of them when they carry no time)."""
    out = []
    for ev in events:
        age = event_age_seconds(snap, ev)
        if age is None or age <= EVENT_MAX_AGE:
            out.append(ev)
    return out


def _for_container(events: list[dict[str, Any]], container: str) -> list[dict[str, Any]]:
    """Events about this container, or about the pod as a whole (no fieldPath)."""
    return [e for e in events if event_container(e) in (None, container)]


def _after_prefix(text: str, *prefixes: str) -> str:
    for p in prefixes:
        if text.startswith(p):
            return text[len(p) :].strip()
    return text.strip()


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _since_scheduled(snap: Snapshot, pod: dict[str, Any]) -> float | None:
    """Seconds since the pod was scheduled (its creation when the condition carries no time)."""
    sched = conditions(pod).get("PodScheduled") or {}
    age = age_seconds(snap, sched.get("lastTransitionTime")) if sched.get("status") == "True" else None
    return age if age is not None else age_seconds(snap, meta(pod).get("creationTimestamp"))


def _no_container_started(pod: dict[str, Any]) -> bool:
    for _, cs in _statuses(pod):
        state = as_dict(cs.get("state"))
        if "running" in state or "terminated" in state:
            return False
        reason = get(state, "waiting", "reason", default="ContainerCreating")
        if reason not in CREATING_REASONS:
            return False
    return True


@check(
    "POD103",
    Severity.ERROR,
    "Image cannot be pulled (ImagePullBackOff / ErrImagePull)",
    "{container} cannot pull {image} ({reason}): {error}",
    looks_at=("pods", "events"),
    links=(
        "kubernetes-pods.md#imagepullbackoff-registry-authentication-required-or-pull-access-denied",
        "kubernetes-pods.md#imagepullbackoff-manifest-unknown-or-image-tag-not-found",
        "kubernetes-pods.md#imagepullbackoff-docker-hub-pull-rate-limit-reached-toomanyrequests",
        "kubernetes-pods.md#imagepullbackoff-server-gave-http-response-to-https-client-from-a-plain-http-registry",
        "kubernetes-pods.md#imagepullbackoff-x509-certificate-signed-by-unknown-authority-from-a-registry",
    ),
)
def image_pull(snap: Snapshot) -> Iterator[Hit]:
    """A container (or init container) waits in ``ImagePullBackOff``, ``ErrImagePull``, ``InvalidImageName``
    or ``ErrImageNeverPull``: the kubelet cannot get its image, so the pod never starts.

    Looks at the container's waiting state and the pod's ``Failed`` events, whose message holds the
    registry's real answer: ``not found`` / ``manifest unknown`` (wrong tag), ``unauthorized`` /
    ``pull access denied`` (missing or wrong ``imagePullSecrets``), ``toomanyrequests`` (Docker Hub rate
    limit), ``x509: certificate signed by unknown authority`` or ``http: server gave HTTP response to HTTPS
    client`` (registry TLS). The message carries that error; ``ImagePullBackOff`` alone only says the
    kubelet is waiting before the next try.

    On pasted output the pod's pull failures alone are enough when the paste does not show the pod (a
    describe's Events table, ``get events`` rows), unless a later event says the image was pulled.

    What to do: pull the same image by hand from a node (``crictl pull``) to see the error, fix the tag or
    the pull secret, or configure the registry's CA / mirror on the nodes.
    """
    yield from _pull_from_events(snap)
    for pod in _troubled(snap):
        events: list[dict[str, Any]] | None = None
        for init, cs in _statuses(pod):
            waiting = get_dict(cs, "state", "waiting")
            reason = waiting.get("reason")
            if reason not in PULL_REASONS:
                continue
            name = str(cs.get("name") or "?")
            if events is None:
                events = _recent(snap, warning_events(snap, "pods", pod, ("Failed", "ErrImagePull", "InspectFailed")))
            mine = _for_container(events, name)
            pulls = [e for e in mine if not str(e.get("message") or "").startswith("Error: ")]
            waiting_msg = str(waiting.get("message") or "")
            if pulls:
                error = _after_prefix(str(pulls[-1].get("message") or ""), "Failed to pull image")
                error = error.split('": ', 1)[1] if error.startswith('"') and '": ' in error else error
            else:
                error = waiting_msg or str(reason)
            evidence = [waiting_msg] + [event_line(e) for e in mine[-4:]]
            yield Hit(
                ref("pods", pod),
                {
                    "container": _label(init, cs),
                    "image": f"image {cs['image']}" if cs.get("image") else "its image",
                    "reason": reason,
                    "error": _short(error),
                },
                evidence,
            )


_PULL_FAILED = re.compile(rf"^(?:Failed to pull image|Error: (?:{'|'.join(PULL_REASONS)})|Back-off pulling image)")
_IMAGE = re.compile(r'(?:pull|pulling) image "([^"]+)"')
_PULLED = re.compile(r"^(?:Successfully pulled|Container image .* already present)")


def _pull_from_events(snap: Snapshot) -> Iterator[Hit]:
    """POD103 on a paste: pods the paste does not show whose recent events are pull failures (old kubelets
    sent them without a type) and no later one says the image was pulled or the container started."""
    for (ns, name), evs in sorted(unshown_events(snap, "Pod").items()):
        recent = _recent(snap, evs)
        failures = [
            e
            for e in recent
            if e.get("type") in ("Warning", None, "") and _PULL_FAILED.match(str(e.get("message") or ""))
        ]
        if not failures:
            continue
        later = after_last(recent, failures[-1])
        if any(e.get("reason") == "Started" or _PULLED.match(str(e.get("message") or "")) for e in later):
            continue
        texts = [str(e.get("message") or "") for e in failures]
        pulls = [t for t in texts if t.startswith("Failed to pull image")]
        error = _after_prefix(pulls[-1], "Failed to pull image") if pulls else texts[-1]
        error = error.split('": ', 1)[1] if error.startswith('"') and '": ' in error else error
        image = next((m.group(1) for t in reversed(texts) if (m := _IMAGE.search(t))), "")
        backoff = any("ImagePullBackOff" in t or t.startswith("Back-off pulling") for t in texts)
        container = next((c for e in reversed(failures) if (c := event_container(e))), "")
        yield Hit(
            ObjectRef("Pod", ns, name),
            {
                "container": f"container {container}" if container else "a container",
                "image": f"image {image}" if image else "its image",
                "reason": "ImagePullBackOff" if backoff else "ErrImagePull",
                "error": _short(error),
            },
            [event_line(e) for e in failures[-4:]],
        )


@check(
    "POD104",
    Severity.ERROR,
    "Container cannot be created (CreateContainerConfigError)",
    "{container} cannot be created ({reason}): {error}",
    looks_at=("pods", "events"),
    links=(
        "kubernetes-pods.md#createcontainerconfigerror-referenced-secret-not-found",
        "kubernetes-pods.md#createcontainerconfigerror-configmap-not-found-or-couldnt-find-key",
    ),
)
def create_config_error(snap: Snapshot) -> Iterator[Hit]:
    """A container waits in ``CreateContainerConfigError`` (its configuration cannot be assembled) or
    ``CreateContainerError`` (the runtime refused to create it).

    Looks at the waiting state's message and the pod's ``Failed`` events. The usual messages:
    ``secret "db-credentials" not found`` or ``configmap "app-config" not found`` (an ``envFrom``,
    ``valueFrom`` or volume names an object missing from the pod's namespace), ``couldn't find key
    PASSWORD in Secret shop/db-credentials`` (the object exists, the key does not), ``container has
    runAsNonRoot and image will run as root``; for ``CreateContainerError``, runtime errors such as an
    executable missing from the image.

    What to do: create the Secret / ConfigMap (or the key) in the pod's namespace, or fix the reference;
    the kubelet retries on its own, no restart needed.

    On a paste, a pod's recent ``Failed`` events alone are enough when their message is one the kubelet
    writes only for ``CreateContainerConfigError`` (a Secret or ConfigMap, or a key of one, not found) and
    no later event says a container started.
    """
    yield from _config_from_events(snap)
    for pod in _troubled(snap):
        for init, cs in _statuses(pod):
            waiting = get_dict(cs, "state", "waiting")
            reason = waiting.get("reason")
            if reason not in CONFIG_REASONS:
                continue
            name = str(cs.get("name") or "?")
            events = _for_container(_recent(snap, warning_events(snap, "pods", pod, ("Failed",))), name)
            error = str(waiting.get("message") or "")
            if not error and events:
                error = _after_prefix(str(events[-1].get("message") or ""), "Error:")
            yield Hit(
                ref("pods", pod),
                {"container": _label(init, cs), "reason": reason, "error": _short(error or str(reason))},
                [str(waiting.get("message") or "")] + [event_line(e) for e in events[-3:]],
            )


# the kubelet's messages when it cannot assemble a container's configuration (kuberuntime: the container's
# environment or a volume names a Secret or ConfigMap, or a key of one, that does not exist)
_CONFIG_FAILED = re.compile(
    r"^(?:Error: )?(?:(?:secrets?|configmaps?) \"[^\"]+\" not found"
    r"|couldn't find key \S+ in (?:Secret|ConfigMap) \S+)",
    re.IGNORECASE,
)


def _config_from_events(snap: Snapshot) -> Iterator[Hit]:
    """POD104 on a paste: pods the paste does not show whose recent ``Failed`` events are configuration
    errors, with no container started since."""
    for (ns, name), evs in sorted(unshown_events(snap, "Pod").items()):
        recent = _recent(snap, evs)
        failures = [
            e for e in recent if e.get("reason") == "Failed" and _CONFIG_FAILED.match(str(e.get("message") or ""))
        ]
        if not failures or any(e.get("reason") == "Started" for e in after_last(recent, failures[-1])):
            continue
        container = next((c for e in reversed(failures) if (c := event_container(e))), "")
        error = _after_prefix(str(failures[-1].get("message") or ""), "Error:")
        yield Hit(
            ObjectRef("Pod", ns, name),
            {
                "container": f"container {container}" if container else "a container",
                "reason": "CreateContainerConfigError",
                "error": _short(error),
            },
            [event_line(e) for e in failures[-3:]],
        )


@check(
    "POD105",
    Severity.ERROR,
    "Pod stuck in ContainerCreating on a volume it cannot attach or mount",
    "pod has been creating its containers for {age} on node {node}: {reason}: {error}",
    looks_at=("pods", "events"),
    links=(
        "kubernetes-storage.md#multi-attach-error-volume-is-already-exclusively-attached-to-one-node",
        "kubernetes-storage.md#failedattachvolume-attachvolumeattach-failed-for-volume",
        "kubernetes-storage.md#failedmount-mountvolumesetup-failed-for-volume",
        "kubernetes-storage.md#containercreating-unable-to-attach-or-mount-volumes--timed-out-waiting-for-the-condition",
    ),
)
def stuck_on_volume(snap: Snapshot) -> Iterator[Hit]:
    """A scheduled pod has started none of its containers for 5 minutes or more (``ContainerCreating``)
    and its recent warning events are ``FailedAttachVolume`` (including ``Multi-Attach error``: a
    ReadWriteOnce volume is still attached to another node) or ``FailedMount``.

    The message shows the most telling event: an attach failure before a mount failure, a
    ``MountVolume.SetUp failed`` (missing Secret/ConfigMap volume, NFS or CSI error) before the generic
    ``Unable to attach or mount volumes: ... timed out waiting for the condition``.

    On pasted output the pod's attach and mount failures alone are enough when the paste does not show the
    pod, unless a later event says a container started; the time is then that of the failures.

    What to do: for Multi-Attach, find the pod or node still holding the volume (often a pod on a
    NotReady node) and delete it or its VolumeAttachment; for mount errors, fix what the message names.
    """
    yield from _volume_from_events(snap)
    for pod in pods_by_phase(snap).get("Pending", []):
        node = get(pod, "spec", "nodeName")
        if not node or not _no_container_started(pod):
            continue
        age = _since_scheduled(snap, pod)
        if too_recent(snap, age, STUCK_CREATING_SECONDS):
            continue
        events = _recent(snap, warning_events(snap, "pods", pod, ("FailedAttachVolume", "FailedMount")))
        if not events:
            continue
        attach = [e for e in events if e.get("reason") == "FailedAttachVolume"]
        setup = [e for e in events if str(e.get("message") or "").startswith("MountVolume.")]
        best = (attach or setup or events)[-1]
        yield Hit(
            ref("pods", pod),
            {
                "age": duration_text(age, STUCK_CREATING_SECONDS),
                "node": node,
                "reason": best.get("reason"),
                "error": _short(str(best.get("message") or "")),
            },
            [event_line(e) for e in events[-5:]],
        )


_ASSIGNED_TO = re.compile(r"Successfully assigned \S+ to (\S+)")


def _volume_from_events(snap: Snapshot) -> Iterator[Hit]:
    """POD105 on a paste: pods the paste does not show whose recent events are attach or mount failures
    lasting 5 minutes or more (or for a time the rows do not show), with no container started since."""
    for (ns, name), evs in sorted(unshown_events(snap, "Pod").items()):
        recent = _recent(snap, evs)
        failures = [
            e
            for e in recent
            if e.get("type") in ("Warning", None, "") and e.get("reason") in ("FailedAttachVolume", "FailedMount")
        ]
        if not failures or any(e.get("reason") == "Started" for e in after_last(recent, failures[0])):
            continue
        first = min(str(e.get("firstTimestamp") or e.get("lastTimestamp") or "") for e in failures)
        age = age_seconds(snap, first)  # None: rows without times (a console's list); pasted as still failing
        if too_recent(snap, age, STUCK_CREATING_SECONDS):
            continue
        assigned = [m.group(1) for e in evs if (m := _ASSIGNED_TO.search(str(e.get("message") or "")))]
        node = (assigned or [str(as_dict(failures[-1].get("source")).get("host") or "") or "(not shown)"])[-1]
        attach = [e for e in failures if e.get("reason") == "FailedAttachVolume"]
        setup = [e for e in failures if str(e.get("message") or "").startswith("MountVolume.")]
        best = (attach or setup or failures)[-1]
        yield Hit(
            ObjectRef("Pod", ns, name),
            {
                "age": duration_text(age, STUCK_CREATING_SECONDS),
                "node": node,
                "reason": best.get("reason"),
                "error": _short(str(best.get("message") or "")),
            },
            [event_line(e) for e in failures[-5:]],
        )


@check(
    "POD106",
    Severity.ERROR,
    "Pod sandbox cannot be created (FailedCreatePodSandBox)",
    "pod sandbox cannot be created on node {node}: {error}",
    looks_at=("pods", "events"),
    links=("kubernetes-network.md#failedcreatepodsandbox-cni-failed-to-set-up-the-pod-network",),
)
def sandbox_failed(snap: Snapshot) -> Iterator[Hit]:
    """A scheduled pod that has started no container has recent ``FailedCreatePodSandBox`` events: the
    runtime could not create the pod's sandbox, most often because the CNI plugin failed to set up the
    network (``failed to set up sandbox container ... network: ...``: IPAM exhausted, CNI pod not running
    on the node, missing ``/etc/cni/net.d`` config), sometimes the pause image or a runtime error.

    A pod that got past it (a container runs) is not reported even if old events remain.

    What to do: read the CNI error in the message; check the CNI daemon pod on that node and the node's IP
    pool; restart the CNI pod or cordon the node.
    """
    for pod in pods_by_phase(snap).get("Pending", []):
        node = get(pod, "spec", "nodeName")
        if not node or not _no_container_started(pod):
            continue
        events = _recent(snap, warning_events(snap, "pods", pod, ("FailedCreatePodSandBox",)))
        if not events:
            continue
        error = _after_prefix(str(events[-1].get("message") or ""), "Failed to create pod sandbox:")
        yield Hit(
            ref("pods", pod),
            {"node": node, "error": _short(error)},
            [event_line(e) for e in events[-3:]],
        )


def _pod_events(snap: Snapshot, reason: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Events about pods with this reason, by (namespace, pod), oldest first; the index is built once, so
    event-driven checks visit only the pods that have such events."""
    key = "pods:events_by_reason"
    if key not in snap.cache:
        index: dict[str, dict[tuple[str, str], list[dict[str, Any]]]] = {}
        for ev in snap.items("events"):
            inv = as_dict(ev.get("involvedObject") or ev.get("regarding"))
            if inv.get("kind") != "Pod":
                continue
            pod_key = (str(inv.get("namespace") or ""), str(inv.get("name") or ""))
            index.setdefault(str(ev.get("reason") or ""), {}).setdefault(pod_key, []).append(ev)
        for by_pod in index.values():
            for evs in by_pod.values():
                evs.sort(key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""))
        snap.cache[key] = index
    found: dict[tuple[str, str], list[dict[str, Any]]] = snap.cache[key].get(reason, {})
    return found


def _pods_named(snap: Snapshot, keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The pods with these (namespace, name) keys: from the shared index when another check built it, else
    one cheap pass that keeps only those pods (events name few pods; indexing 150,000 costs more)."""
    if not keys:
        return {}
    if "by_name:pods" in snap.cache:
        return by_name(snap, "pods")
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for pod in snap.items("pods"):
        md = pod.get("metadata")
        if isinstance(md, dict):
            key = (str(md.get("namespace") or ""), str(md.get("name") or ""))
            if key in keys:
                found[key] = pod
    return found


def _probe_error(ev: dict[str, Any]) -> str:
    msg = str(ev.get("message") or "")
    return _short(msg.split(":", 1)[1] if ":" in msg else msg)


def _count(events: list[dict[str, Any]]) -> int:
    return sum(e["count"] if isinstance(e.get("count"), int) else 1 for e in events)


def _probe_failures(snap: Snapshot, evs: list[dict[str, Any]], *kinds: str) -> list[dict[str, Any]]:
    """Recent ``Unhealthy`` warnings ``<Kind> probe failed: ...`` / ``<Kind> probe errored: ...``."""
    prefixes = tuple(f"{k} probe {w}" for k in kinds for w in ("failed", "errored"))
    return [
        e for e in _recent(snap, evs) if e.get("type") == "Warning" and str(e.get("message") or "").startswith(prefixes)
    ]


@check(
    "POD107",
    Severity.WARNING,
    "Readiness probe failing: the pod gets no traffic",
    "{container} is not ready: its readiness probe fails ({count}x): {error}",
    looks_at=("pods", "events"),
    links=("kubernetes-pods.md#pods-restart-during-a-slow-start-readinessliveness-probe-connection-refused",),
)
def readiness_failing(snap: Snapshot) -> Iterator[Hit]:
    """A running container is not ready and the pod has recent ``Unhealthy`` events ``Readiness probe
    failed: ...`` about it: the pod is out of its Services' endpoints until the probe passes.

    The message carries the probe's own error (``connect: connection refused``: nothing listens yet, or on
    another port; ``HTTP probe failed with statuscode: 503``; ``context deadline exceeded``: slower than
    ``timeoutSeconds``). A container that is ready again is not reported, whatever events remain.

    On pasted output the events alone are enough when the paste does not show the pod.

    What to do: compare the probe's port and path with what the application serves, give a slow start a
    ``startupProbe`` or a longer ``initialDelaySeconds``, raise ``timeoutSeconds`` for a slow endpoint.
    """
    unhealthy = _pod_events(snap, "Unhealthy")
    if not unhealthy:
        return
    if snap.meta.get("partial"):
        yield from _readiness_from_events(snap, unhealthy)
    for pod in _troubled(snap):  # a container that is not ready makes its pod troubled
        evs = unhealthy.get((namespace_of(pod), name_of(pod)))
        failures = _probe_failures(snap, evs, "Readiness") if evs else []
        if not failures or pod_phase(pod) != "Running":
            continue
        for cs in container_statuses(pod):
            name = known_name(cs)
            if cs.get("ready") or "running" not in as_dict(cs.get("state")):
                continue
            mine = _for_container(failures, name) if name else failures  # a get row does not name it
            if mine:
                yield Hit(
                    ref("pods", pod),
                    {"container": _label(False, cs), "count": _count(mine), "error": _probe_error(mine[-1])},
                    [event_line(e) for e in mine[-3:]],
                )


def _readiness_from_events(snap: Snapshot, unhealthy: dict[tuple[str, str], list[dict[str, Any]]]) -> Iterator[Hit]:
    """POD107 on a paste: readiness failures of pods the paste does not show, one finding per container."""
    shown = {k for k, pod in _pods_named(snap, set(unhealthy)).items() if pod.get("status")}
    for (ns, name), evs in sorted(unhealthy.items()):
        if (ns, name) in shown:
            continue
        by_container: dict[str, list[dict[str, Any]]] = {}
        for ev in _probe_failures(snap, evs, "Readiness"):
            by_container.setdefault(event_container(ev) or "", []).append(ev)
        for container, mine in sorted(by_container.items()):
            yield Hit(
                ObjectRef("Pod", ns, name),
                {
                    "container": f"container {container}" if container else "a container",
                    "count": _count(mine),
                    "error": _probe_error(mine[-1]),
                },
                [event_line(e) for e in mine[-3:]],
            )


_KILLED_BY_PROBE = re.compile(r"Container (\S+) failed (liveness|startup) probe")


@check(
    "POD108",
    Severity.WARNING,
    "Liveness or startup probe failing: the kubelet kills and restarts the container",
    "{container} fails its {probe} probe and is killed by the kubelet{restarts}{error}",
    looks_at=("pods", "events"),
    links=("kubernetes-pods.md#pods-restart-during-a-slow-start-readinessliveness-probe-connection-refused",),
)
def liveness_failing(snap: Snapshot) -> Iterator[Hit]:
    """A container of a live pod has recent ``Unhealthy`` events ``Liveness probe failed`` / ``Startup
    probe failed``, or ``Killing`` events ``Container api failed liveness probe, will be restarted``.

    On pasted output the events alone are enough when the paste does not show the pod.

    Each time the probe fails ``failureThreshold`` times in a row the kubelet kills the container (exit
    code 137, reason ``Error``) and starts it again, which often ends in CrashLoopBackOff. An application
    that starts slower than ``initialDelaySeconds`` allows is the classic cause; a deadlocked or overloaded
    process, or a liveness endpoint that checks a database, the others. Events older than an hour are not
    counted.

    What to do: add a ``startupProbe`` (or raise ``initialDelaySeconds`` / ``failureThreshold``) for a slow
    start; keep the liveness endpoint cheap and independent of downstream services.
    """
    unhealthy = _pod_events(snap, "Unhealthy")
    killing = _pod_events(snap, "Killing")
    found: dict[tuple[str, str], tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    for key in dict.fromkeys([*unhealthy, *killing]):
        failures = _probe_failures(snap, unhealthy.get(key, []), "Liveness", "Startup")
        kills = [e for e in _recent(snap, killing.get(key, [])) if _KILLED_BY_PROBE.search(str(e.get("message")))]
        if failures or kills:
            found[key] = (failures, kills)
    pods = _pods_named(snap, set(found))
    partial = bool(snap.meta.get("partial"))
    for key, (failures, kills) in found.items():
        pod = pods.get(key)
        if (pod is None or not pod.get("status")) and partial:  # a pod pasted without its state: events suffice
            pod = {"metadata": {"namespace": key[0], "name": key[1]}, "status": {"phase": "Running"}}
        if pod is None or pod_phase(pod) not in ("Running", "Pending"):
            continue
        by_container: dict[str, list[dict[str, Any]]] = {}
        for ev in failures + kills:
            m = _KILLED_BY_PROBE.search(str(ev.get("message")))
            name = event_container(ev) or (m.group(1) if m else "")
            by_container.setdefault(name, []).append(ev)
        named = [n for n in by_container if n]
        if "" in by_container and len(named) == 1:  # describe's events name no container: the one named
            by_container[named[0]] = sorted(
                by_container.pop("") + by_container[named[0]], key=lambda e: str(e.get("lastTimestamp") or "")
            )
        restarts = {str(cs.get("name")): cs.get("restartCount", 0) for cs in container_statuses(pod)}
        for name, evs in by_container.items():
            probes = [e for e in evs if e.get("reason") == "Unhealthy"]
            text = " ".join(str(e.get("message")) for e in evs)
            yield Hit(
                ref("pods", pod),
                {
                    "container": f"container {name}" if name else "a container",
                    "probe": "startup" if "Startup probe" in text or "failed startup" in text else "liveness",
                    "restarts": f" ({restarts[name]} restarts)" if name in restarts else "",
                    "error": ": " + error if probes and (error := _probe_error(probes[-1])) else "",
                },
                [event_line(e) for e in sorted(evs, key=lambda e: str(e.get("lastTimestamp") or ""))[-4:]],
            )


@check(
    "POD109",
    Severity.WARNING,
    "Container restarts often",
    "{container} has restarted {restarts} times{ago}{last_exit}",
    looks_at=("pods",),
)
def many_restarts(snap: Snapshot) -> Iterator[Hit]:
    """A container has restarted 10 times or more and its last restart ended less than 24 hours before the
    snapshot: it runs, but keeps dying and coming back (an old count on a container stable for a day is
    history and is not reported).

    Containers in CrashLoopBackOff now (POD101) or whose last exit was an OOM kill (POD102) are left to
    those checks. The message gives the last exit's reason and code; evidence adds the last lines of the
    previous run's log when the snapshot has them.

    What to do: read the previous run's log (``kubectl logs --previous``) and the pod's events; exit code
    137 without OOMKilled is a kill (liveness probe, POD108, or eviction), 1 an application error.
    """
    for pod in _troubled(snap):
        for cs in container_statuses(pod):
            restarts = cs.get("restartCount")
            if not isinstance(restarts, int) or restarts < RESTART_THRESHOLD:
                continue
            if get(cs, "state", "waiting", "reason") == "CrashLoopBackOff":
                continue
            reason, code = _last_exit(cs)
            if reason == "OOMKilled":
                continue
            ago = age_seconds(snap, get(cs, "lastState", "terminated", "finishedAt"))
            if ago is not None and ago > RESTART_RECENT_SECONDS:
                continue
            name = str(cs.get("name") or "?")
            evidence = [f"Last State: Terminated  Reason: {reason}  Exit Code: {code}"] if reason or code else []
            evidence += log_tail(snap, pod, name, 3, previous=True)
            yield Hit(
                ref("pods", pod),
                {
                    "container": _label(False, cs),
                    "restarts": restarts,
                    "ago": f", the last {human_age(ago)} ago" if ago is not None else "",
                    "last_exit": _exit_text(reason, code, " (exit: "),
                },
                evidence,
            )


@check(
    "POD110",
    Severity.ERROR,
    "Init container failing",
    "{container} is failing ({state}{last_exit}, {restarts} restarts){effect}",
    looks_at=("pods", "events"),
)
def init_failing(snap: Snapshot) -> Iterator[Hit]:
    """An init container waits in ``CrashLoopBackOff`` or has terminated with a non-zero exit code. Init
    containers run in order and each must succeed before the next (and the app containers) start, so the
    pod shows ``Init:CrashLoopBackOff`` or ``Init:Error`` and never serves.

    Image pull and configuration errors of init containers are reported by POD103 and POD104. Evidence:
    the termination message, the pod's ``BackOff`` events and, when collected, the init container's last
    log lines (it usually says what it waited for: a database, a migration, a file).

    What to do: ``kubectl logs <pod> -c <init container>`` (``--previous`` after a restart); fix what it
    waits for or the command it runs.
    """
    for pod in _troubled(snap):
        phase = pod_phase(pod)
        effect = {"Pending": "; the pod's containers cannot start", "Failed": "; the pod has failed"}.get(phase, "")
        for cs in container_statuses(pod, init=True):
            state = as_dict(cs.get("state"))
            waiting = as_dict(state.get("waiting"))
            terminated = as_dict(state.get("terminated"))
            if waiting.get("reason") == "CrashLoopBackOff":
                label, previous = "CrashLoopBackOff", True
                term = as_dict(get(cs, "lastState", "terminated"))
            elif terminated and terminated.get("exitCode") not in (0, None):
                label, previous, term = "Error", False, terminated
            else:
                continue
            name = str(cs.get("name") or "?")
            evidence = [str(waiting.get("message") or ""), str(term.get("message") or "")]
            events = _for_container(_recent(snap, warning_events(snap, "pods", pod, ("BackOff", "Failed"))), name)
            evidence += [event_line(e) for e in events[-2:]]
            evidence += log_tail(snap, pod, name, 4, previous=previous)
            yield Hit(
                ref("pods", pod),
                {
                    "container": _label(True, cs),
                    "state": label,
                    "last_exit": _exit_text(str(term.get("reason") or ""), term.get("exitCode"), ", last exit: ", ""),
                    "restarts": cs.get("restartCount", 0),
                    "effect": effect,
                },
                list(dict.fromkeys(evidence)),
            )


@check(
    "POD111",
    Severity.WARNING,
    "Container exited with an error and will not be restarted",
    "{container} exited with code {exit_code} ({reason}){ago} and will not be restarted (restartPolicy Never)",
    looks_at=("pods",),
)
def failed_no_restart(snap: Snapshot) -> Iterator[Hit]:
    """A pod with ``restartPolicy: Never`` has a container terminated with a non-zero exit code: nothing
    will run it again, and the pod stays ``Failed`` (``Error``) until someone deletes or recreates it.

    Pods of a Job are left to WKL508, which reports the Job with its pods' exits; evicted pods to SCH102.
    Evidence: the container's termination message and, when collected, its last log lines.

    What to do: read the log (``kubectl logs <pod> -c <container>``), fix the cause and recreate the pod;
    run it from a Job if it should be retried.
    """
    for pod in _troubled(snap):
        if get(pod, "spec", "restartPolicy") != "Never" or get(pod, "status", "reason") == "Evicted":
            continue
        o = owner(pod)
        if o is not None and o.get("kind") == "Job":
            continue
        for cs in container_statuses(pod):
            term = as_dict(get(cs, "state", "terminated"))
            if not term or term.get("exitCode") in (0, None):
                continue
            name = str(cs.get("name") or "?")
            yield Hit(
                ref("pods", pod),
                {
                    "container": _label(False, cs),
                    "exit_code": term.get("exitCode"),
                    "reason": term.get("reason") or "no reason given",
                    "ago": _ago(age_seconds(snap, term.get("finishedAt"))),
                },
                list(dict.fromkeys([str(term.get("message") or ""), *log_tail(snap, pod, name, 4)])),
            )


@check(
    "POD112",
    Severity.WARNING,
    "Pod stuck in Terminating",
    "pod has been Terminating for {overdue} past its grace period{details}",
    looks_at=("pods", "nodes", "events"),
)
def stuck_terminating(snap: Snapshot) -> Iterator[Hit]:
    """A pod's ``metadata.deletionTimestamp`` (the end of its grace period) is 5 minutes or more before the
    snapshot and the pod still exists.

    The usual reasons, which the message names when it sees them: the pod's node is NotReady or gone (the
    kubelet cannot confirm the containers stopped, so the API keeps the pod), a finalizer that its
    controller never removes, or a container the runtime cannot kill (``FailedKillPod`` events).

    What to do: bring the node back or delete the Node object; remove a stale finalizer once you know its
    controller is gone; as a last resort ``kubectl delete pod --grace-period=0 --force`` (for a
    StatefulSet pod only when the node is really down, or two pods may share its volume).
    """
    nodes = by_name(snap, "nodes")
    for pod in _troubled(snap):
        md = meta(pod)
        overdue = age_seconds(snap, md.get("deletionTimestamp"))
        if overdue is None or too_recent(snap, overdue, STUCK_TERMINATING_SECONDS):
            continue
        details: list[str] = []
        evidence: list[str] = []
        finalizers = [str(f) for f in as_list(md.get("finalizers"))]
        if finalizers:
            details.append("finalizers: " + ", ".join(finalizers))
        node_name = str(get(pod, "spec", "nodeName", default=""))
        node = nodes.get(("", node_name)) if node_name else None
        if node_name and node is None and listed_completely(snap, "nodes"):
            details.append(f"node {node_name} no longer exists")
        elif node is not None:
            ready = conditions(node).get("Ready") or {}
            if ready.get("status") != "True":
                details.append(f"node {node_name} is NotReady")
                evidence.append(f"{ready.get('reason') or 'NodeNotReady'}: {ready.get('message') or ''}")
        evidence += [event_line(e) for e in _recent(snap, warning_events(snap, "pods", pod, ("FailedKillPod",)))[-3:]]
        yield Hit(
            ref("pods", pod),
            {
                "overdue": duration_text(overdue, STUCK_TERMINATING_SECONDS),
                "details": "".join("; " + d for d in details),
            },
            evidence,
        )


def _probe_text(probe: dict[str, Any]) -> str:
    if "httpGet" in probe:
        h = as_dict(probe["httpGet"])
        return f"httpGet :{h.get('port', '?')}{h.get('path') or '/'}"
    if "tcpSocket" in probe:
        return f"tcpSocket :{get(probe, 'tcpSocket', 'port', default='?')}"
    if "grpc" in probe:
        return f"grpc :{get(probe, 'grpc', 'port', default='?')}"
    if "exec" in probe:
        return "exec " + _short(" ".join(str(c) for c in as_list(get(probe, "exec", "command"))), 80)
    return "probe"


@check(
    "POD113",
    Severity.WARNING,
    "Container running but not ready for a long time",
    "{container} has been running for {age} without becoming ready ({probe})",
    looks_at=("pods", "events"),
    links=("kubernetes-network.md#service-has-no-endpoints-selector-or-readiness-mismatch",),
)
def not_ready_long(snap: Snapshot) -> Iterator[Hit]:
    """A container of a Running pod has been running, not ready, for 10 minutes or more (measured from the
    later of its start and the pod's last Ready transition), and there are no recent readiness probe
    failure events to explain it (those are POD107's finding).

    A pod that is not ready is out of its Services' endpoints; a rollout waits on it. Without events the
    cause is often a startup probe that has not passed yet, a readiness gate, or events that expired.

    What to do: ``kubectl describe pod`` and test the readiness endpoint from inside the pod
    (``kubectl exec ... -- wget -qO- localhost:<port><path>``).
    """
    for pod in _troubled(snap):
        if pod_phase(pod) != "Running" or meta(pod).get("deletionTimestamp"):
            continue
        ready_cond = conditions(pod).get("Ready") or {}
        since_cond = age_seconds(snap, ready_cond.get("lastTransitionTime"))
        specs = {str(c.get("name")): c for c in as_list(get(pod, "spec", "containers")) if isinstance(c, dict)}
        failures: list[dict[str, Any]] | None = None
        for cs in container_statuses(pod):
            started = get(cs, "state", "running", "startedAt")
            if cs.get("ready") or not started:
                continue
            ages = [a for a in (age_seconds(snap, started), since_cond) if a is not None]
            age = min(ages) if ages else None
            if age is None or too_recent(snap, age, NOT_READY_SECONDS):
                continue
            name = str(cs.get("name") or "?")
            if failures is None:
                failures = _probe_failures(
                    snap, _pod_events(snap, "Unhealthy").get((namespace_of(pod), name_of(pod)), []), "Readiness"
                )
            if _for_container(failures, name):
                continue
            spec = specs.get(name, {})
            if isinstance(spec.get("readinessProbe"), dict):
                probe = "readiness probe " + _probe_text(spec["readinessProbe"])
            elif isinstance(spec.get("startupProbe"), dict):
                probe = "startup probe " + _probe_text(spec["startupProbe"]) + " has not passed"
            else:
                probe = "no readiness probe"
            yield Hit(
                ref("pods", pod),
                {"container": _label(False, cs), "age": duration_text(age, NOT_READY_SECONDS), "probe": probe},
                [f"{ready_cond.get('reason') or 'NotReady'}: {ready_cond.get('message') or ''}"],
            )
