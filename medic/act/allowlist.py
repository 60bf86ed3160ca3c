"""The read-only allowlist: which programs, subcommands and options Medic may run with only ``--yes``.

It is data, read by :mod:`medic.act.classify`. Each program is a :class:`Tool` whose root :class:`Node`
holds options and read-only subcommands, nested as deep as the program nests them (``kubectl rollout
status``, ``docker service ps``, ``ceph osd pool ls``). A subcommand that is not listed is not read-only.

Options are written as one string of space-separated specs:

- ``-a`` / ``--all``: a flag, no value (``--all=true`` is accepted for long flags);
- ``-n=`` / ``--namespace=``: takes one value, attached (``-nfoo``, ``--namespace=foo``) or the next word;
- ``--arg==``: takes two values (the next two words), as ``jq --arg NAME VALUE``;
- ``-b?``: takes an optional value, attached only (``--color`` or ``--color=auto``);
- ``-X=GET|HEAD``: takes one value that must be one of these (case-insensitive);
- ``-#``: any ``-NUMBER`` (``head -5``, ``grep -3``).

An option that is not listed — whether it writes (``sort -o``), runs code (``rg --pre``, ``git -c``),
changes the target (``date -s``) or is merely unknown — makes the command mutating; so does an option
listed with the wrong arity only in the safe direction (an unknown value is never read as a verb). A
subcommand's options are its own plus, when ``Tool.inherit`` (cobra tools: kubectl, helm, docker), those of
every command above it. ``Tool.style`` says how options are spelled: ``gnu`` (getopt and pflag: bundled
short flags, ``--long=value``), ``single`` (one dash, whole words: ``find -name``, ``openssl x509
-noout``) or ``none`` (nothing is an option: ``echo``). ``Tool.check`` names an extra check of the command's
content done in :mod:`medic.act.classify` (a sed script, an awk program, SQL, URLs).

:data:`WRAPPERS` lists programs that run another command (``sudo``, ``env``, ``timeout``, ``xargs``,
``watch``...): their own options, how many operands they take before the command, and how they run it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

FLAG, ONE, TWO, OPTIONAL = 0, 1, 2, -1


@dataclass(frozen=True)
class Option:
    arity: int  # FLAG, ONE, TWO or OPTIONAL (attached only)
    values: frozenset[str] | None = None  # the only values allowed (upper case), when restricted


@dataclass(frozen=True)
class Node:
    """A command or subcommand that only reads, with the options and operands it may take."""

    options: Mapping[str, Option] = field(default_factory=dict)
    subcommands: Mapping[str, Node] = field(default_factory=dict)
    operands: int | None = None  # at most this many operands (None: any number)
    operand: str = ""  # a regular expression every operand must match in full ("" = any)
    bare: bool = True  # may stop here without a subcommand (prints help or a default listing)
    require: tuple[str, ...] = ()  # one of these options must be given (xfs_repair -n)
    numeric: bool = False  # -NUMBER is an option (head -5)


@dataclass(frozen=True)
class Tool:
    root: Node
    style: str = "gnu"  # gnu, single or none (see the module docstring)
    inherit: bool = True
    intersperse: bool = True  # options may follow operands (GNU); else the first operand ends them
    check: str = ""  # sed, awk, sql, curl, sqlite, s_client: a content check in classify


@dataclass(frozen=True)
class Wrapper:
    """A program that runs the command that follows its own options and operands."""

    options: Mapping[str, Option]
    operands: int = 0  # operands before the command (timeout's duration)
    shell_string: bool = False  # joins the command's words and runs them with sh -c (watch)
    stdin_args: bool = False  # adds words read from standard input to the command (xargs)
    manual: str = ""  # the wrapper itself needs a person (watch runs until stopped)
    assignments: bool = False  # NAME=value words may come before the command (env, sudo)
    bare_reads: bool = True  # without a command it only prints (env, xargs → echo)
    writes: str = ""  # the wrapper itself writes (nohup.out): the step is mutating whatever it runs


_SPEC = re.compile(r"^(-{1,2}[^=?]+|-#)(==|=|\?)?(.*)$")


def opts(spec: str) -> Mapping[str, Option]:
    """Options from their specs (see the module docstring)."""
    out: dict[str, Option] = {}
    for token in spec.split():
        m = _SPEC.match(token)
        if not m:
            raise ValueError(f"bad option spec {token!r}")
        name, mark, values = m.groups()
        arity = {"": FLAG, None: FLAG, "=": ONE, "==": TWO, "?": OPTIONAL}[mark]
        allowed = frozenset(v.upper() for v in values.split("|")) if values else None
        out[name] = Option(arity, allowed)
    return MappingProxyType(out)


def node(
    spec: str = "",
    subs: Mapping[str, Node] | None = None,
    *,
    operands: int | None = None,
    operand: str = "",
    bare: bool = True,
    require: tuple[str, ...] = (),
    numeric: bool = False,
) -> Node:
    """A node; a key of ``subs`` may hold several names separated by spaces (``"list ls"``)."""
    expanded: dict[str, Node] = {}
    for names, child in (subs or {}).items():
        for name in names.split():
            expanded[name] = child
    return Node(
        options=opts(spec),
        subcommands=MappingProxyType(expanded),
        operands=operands,
        operand=operand,
        bare=bare,
        require=require,
        numeric=numeric,
    )


# ---------------------------------------------------------------- Kubernetes clients
_KUBE_GLOBAL = (
    "-n= --namespace= --context= --kubeconfig= --cluster= --user= --request-timeout= --as= "
    "--as-group= --as-uid= --insecure-skip-tls-verify --certificate-authority= --client-certificate= "
    "--client-key= --token= --tls-server-name= --match-server-version -v= --v= --cache-dir= "
    "--disable-compression --warnings-as-errors --vmodule= --log-flush-frequency= --username= --password="
)
_PRINT = (
    "-o= --output= --template= --allow-missing-template-keys --show-managed-fields --no-headers "
    "--show-labels --show-kind -L= --label-columns= --sort-by="
)
_SELECT = "-l= --selector= --field-selector= -A --all-namespaces -f= --filename= -R --recursive"
_LOGS = node(
    "-c= --container= -p --previous --tail= --since= --since-time= --timestamps -f --follow --all-containers "
    "-l= --selector= --max-log-requests= --prefix --limit-bytes= --pod-running-timeout= --ignore-errors "
    "--all-pods --insecure-skip-tls-verify-backend"
)
_KUBE_READ: dict[str, Node] = {
    "get": node(
        f"{_PRINT} {_SELECT} --chunk-size= --ignore-not-found --raw= --subresource= -w --watch --watch-only "
        "--output-watch-events"
    ),
    "describe": node(f"{_SELECT} --show-events --chunk-size="),
    "logs log": _LOGS,
    "top": node(
        "",
        {
            "node nodes no": node("-l= --selector= --sort-by= --no-headers --use-protocol-buffers --show-capacity"),
            "pod pods po": node(
                "-l= --selector= --sort-by= --no-headers --use-protocol-buffers -A --all-namespaces --containers "
                "--field-selector= --sum"
            ),
        },
    ),
    "events": node("-A --all-namespaces -o= --output= --for= --types= -w --watch --no-headers --chunk-size="),
    "explain": node("--recursive --api-version= -o= --output="),
    "api-resources": node("-o= --output= --namespaced --verbs= --api-group= --no-headers --sort-by= --cached"),
    "api-versions": node(""),
    "version": node("--client --short -o= --output="),
    "cluster-info": node("", {"dump": node("-A --all-namespaces --namespaces= -o= --output=")}),
    "auth": node(
        "",
        {
            "can-i": node("-A --all-namespaces --list --no-headers -q --quiet --subresource="),
            "whoami": node("-o= --output="),
        },
    ),
    "rollout": node(
        "",
        {
            "status": node("-w --watch --revision= --timeout= -l= --selector= -f= --filename= -R"),
            "history": node("--revision= -o= --output= -l= --selector= -f= --filename= -R"),
        },
    ),
    "config": node(
        "",
        {
            "view": node("--minify --flatten --raw -o= --output= --merge --template="),
            "get-contexts": node("-o= --output= --no-headers"),
            "current-context": node(""),
            "get-clusters": node(""),
            "get-users": node(""),
        },
    ),
    "wait": node(f"{_SELECT} --for= --timeout= --all -o= --output="),
}
KUBECTL = Tool(node(_KUBE_GLOBAL, _KUBE_READ))
OC = Tool(node(_KUBE_GLOBAL, {**_KUBE_READ, "status": node("-o= --suggest"), "whoami": node("-t --show-token -c")}))

_HELM_GLOBAL = (
    "-n= --namespace= --kube-context= --kubeconfig= --debug --kube-token= --kube-as-user= "
    "--kube-as-group= --kube-ca-file= --kube-insecure-skip-tls-verify --kube-tls-server-name= "
    "--registry-config= --repository-config= --repository-cache= --burst-limit="
)
HELM = Tool(
    node(
        _HELM_GLOBAL,
        {
            "list ls": node(
                "-A --all-namespaces -a --all -o= --output= -q --short --deployed --failed --pending --uninstalled "
                "--superseded --uninstalling -f= --filter= -m= --max= --offset= -r --reverse -d --date -l= "
                "--selector= --time-format= --no-headers"
            ),
            "status": node("--revision= -o= --output= --show-desc --show-resources"),
            "history hist": node("--max= -o= --output="),
            "get": node(
                "",
                {"all values manifest notes hooks metadata": node("--revision= -a --all -o= --output= --template=")},
            ),
            "version": node("--short --template= -c --client"),
            "env": node(""),
            "repo": node("", {"list ls": node("-o= --output=")}),
            "search": node("", {"repo hub": node("-o= --output= --versions --version= -r --regexp --max-col-width=")}),
            "plugin": node("", {"list ls": node("")}),
        },
    )
)

# ---------------------------------------------------------------- containers
_FMT = "-f= --filter= --format= -q --quiet --no-trunc"
_DOCKER_LOGS = node("-f --follow --tail= -n= --since= --until= -t --timestamps --details")
_DOCKER_READ: dict[str, Node] = {
    "ps": node(f"{_FMT} -a --all -n= --last= -l --latest -s --size"),
    "images": node(f"{_FMT} -a --all --digests"),
    "inspect": node("-f= --format= -s --size --type="),
    "logs": _DOCKER_LOGS,
    "info": node("-f= --format="),
    "version": node("-f= --format="),
    "stats": node("--no-stream -a --all --format= --no-trunc"),
    "top": node("", operands=1),
    "events": node("--since= --until= -f= --filter= --format="),
    "history": node("-H --human --no-trunc -q --quiet --format="),
    "port": node(""),
    "diff": node(""),
}
_DOCKER_SUBS: dict[str, Node] = {
    "container": node("", {"ls list ps": _DOCKER_READ["ps"], **{k: _DOCKER_READ[k] for k in ("inspect", "logs")}}),
    "image": node("", {"ls list": _DOCKER_READ["images"], "inspect": _DOCKER_READ["inspect"]}),
    "service": node(
        "",
        {
            "ls list": node(_FMT),
            "ps": node(f"{_FMT} --no-resolve"),
            "inspect": node("-f= --format= --pretty"),
            "logs": node(
                "-f --follow --tail= -n= --since= -t --timestamps --details --raw --no-resolve --no-task-ids --no-trunc"
            ),
        },
    ),
    "volume": node("", {"ls list": node(_FMT), "inspect": node("-f= --format=")}),
    "network": node("", {"ls list": node(_FMT), "inspect": node("-f= --format= -v --verbose")}),
    "node": node("", {"ls list": node(_FMT), "inspect": node("-f= --format= --pretty"), "ps": node(_FMT)}),
    "system": node("", {"df": node("-v --verbose --format="), "info": node("-f= --format="), "events": node("")}),
    "stack": node("", {"ls list": node("--format="), "ps": node(f"{_FMT} --no-resolve"), "services": node(_FMT)}),
    "secret": node("", {"ls list": node(_FMT), "inspect": node("-f= --format= --pretty")}),
    "config": node("", {"ls list": node(_FMT), "inspect": node("-f= --format= --pretty")}),
    "context": node("", {"ls list": node(_FMT), "inspect": node("-f= --format="), "show": node("")}),
    "compose": node(
        "-f= --file= -p= --project-name= --project-directory=",
        {
            "ps": node("-a --all -q --quiet --format= --services --status="),
            "logs": node("-f --follow --tail= -n= --since= --until= -t --timestamps --no-color --no-log-prefix"),
            "config": node("-q --quiet --services --volumes --format="),
            "top images version ls": node("-a --all --format= -q --quiet"),
        },
    ),
}
DOCKER = Tool(
    node(
        "-H= --host= --context= -c= -D --debug -l= --log-level= --tls --tlsverify --tlscacert= --tlscert= --tlskey=",
        {**_DOCKER_READ, **_DOCKER_SUBS},
    )
)
PODMAN = Tool(node("--url= -c= --connection= --log-level=", {**_DOCKER_READ}))
DOCKER_COMPOSE = Tool(
    node(
        "-f= --file= -p= --project-name= --project-directory= --env-file=",
        dict(_DOCKER_SUBS["compose"].subcommands),
    )
)
_CRI_LIST = "-a --all -q --quiet -o= --output= --name= --label= -v --verbose --no-trunc --state= --id="
CRICTL = Tool(
    node(
        "-r= --runtime-endpoint= -i= --image-endpoint= -t= --timeout= -D --debug -c= --config=",
        {
            "ps": node(f"{_CRI_LIST} --pod= --image= -s= --since= --latest -l --last= -n="),
            "pods": node(f"{_CRI_LIST} --namespace= --latest -l --last= -n="),
            "images img": node("-a --all -q --quiet -o= --output= --digests --no-trunc -v --verbose"),
            "inspect inspectp inspecti": node("-o= --output= --template= -q --quiet"),
            "logs": node("--tail= -f --follow -p --previous --since= -t --timestamps --limit-bytes="),
            "info version": node("-o= --output= -q --quiet"),
            "stats statsp": node("-a --all -o= --output= --id= --label= -s= --seconds= -p= --pod="),
        },
    )
)

# ---------------------------------------------------------------- hosts and services
_SYSTEMCTL_OPTS = (
    "-H= --host= -M= --machine= -t= --type= --state= -p= --property= -a --all --no-pager --no-legend -l --full "
    "--plain -q --quiet --user --system -n= --lines= -o= --output= --value -r --recursive --reverse --after "
    "--before --failed --show-types"
)
SYSTEMCTL = Tool(
    node(
        _SYSTEMCTL_OPTS,
        {
            "status show list-units list-unit-files list-timers list-sockets list-dependencies list-jobs is-active "
            "is-enabled is-failed is-system-running cat get-default show-environment list-machines": node("")
        },
    )
)
JOURNALCTL = Tool(
    node(
        "-u= --unit= --user-unit= -S= --since= -U= --until= -n= --lines= --no-pager -f --follow -b -k --dmesg "
        "-p= --priority= -o= --output= --output-fields= -x --catalog -e --pager-end -r --reverse -q --quiet "
        "--no-hostname -a --all --utc -t= --identifier= -g= --grep= --case-sensitive? -l --full --list-boots "
        "--disk-usage -D= --directory= --file= -m --merge --system --user -F= --field= -N --fields "
        "--no-full --boot?",
        numeric=True,
    )
)
TIMEDATECTL = Tool(
    node(
        "-H= --host= -M= --machine= --no-pager -a --all --value -p= --property=",
        {"status show list-timezones timesync-status show-timesync": node("")},
    )
)
CHRONYC = Tool(
    node(
        "-n -c -a -4 -6 -h= -p=",
        {"tracking sources sourcestats activity ntpdata": node("-v", operands=1)},
        bare=False,
    )
)
NTPQ = Tool(node("-p -n -4 -6 -w --wide -W=", operands=1))
DRBDADM = Tool(
    node(
        "-c= --config-file= -d --dry-run",
        {"status dstate cstate role dump show-gi get-gi sh-resources": node("--verbose --statistics --color?")},
    )
)
DRBDSETUP = Tool(node("", {"status show show-gi": node("--verbose --statistics --color? --json")}))
_ETCD_GLOBAL = (
    "--endpoints= --cert= --key= --cacert= --insecure-skip-tls-verify --insecure-transport -w= --write-out= "
    "--command-timeout= --dial-timeout= --keepalive-time= --keepalive-timeout= --user= --password= --hex --debug "
    "--discovery-srv= --discovery-srv-name= --insecure-discovery --cert-file= --key-file= --ca-file= --endpoint="
)
ETCDCTL = Tool(
    node(
        _ETCD_GLOBAL,
        {
            "get": node(
                "--prefix --keys-only --limit= --rev= --sort-order= --sort-by= --from-key --print-value-only "
                "--count-only --consistency="
            ),
            "version": node(""),
            "endpoint": node("--cluster", {"health status hashkv": node("--cluster")}),
            "member": node("", {"list": node("")}),
            "alarm": node("", {"list": node("")}),
            "member-list cluster-health": node(""),
        },
    )
)
KONVOY = Tool(node("", {"check": node("--cluster-name= -v --verbose"), "version": node("")}))
GIT = Tool(
    node(
        "-C= --no-pager --git-dir= --work-tree= -P",
        {
            "status": node("-s --short -b --branch --porcelain? -u? --untracked-files? --ignored? -v --long"),
            "log": node(
                "--oneline -n= --max-count= --since= --until= --author= --grep= --format= --pretty? --graph "
                "--decorate? --all -p --stat --name-only --name-status --no-merges --first-parent --reverse",
                numeric=True,
            ),
            "diff": node("--stat --name-only --name-status --cached --staged --no-color -w --shortstat -U="),
            "show": node("--stat --name-only --name-status --format= --pretty? --oneline -s --no-patch"),
            "branch": node("-a --all -r --remotes -v -vv --list --contains= --merged? --show-current", operands=0),
            "remote": node("-v --verbose", {"show get-url": node("-n --all --push")}),
            "rev-parse": node(
                "--show-toplevel --abbrev-ref? --short? --verify -q --quiet --git-dir --is-inside-work-tree"
            ),
            "describe": node("--tags --always --abbrev= --long --all"),
            "ls-files": node("-m --modified -o --others -d --deleted -s --stage --exclude-standard -z"),
        },
    ),
    inherit=False,
)
VIRTCTL = Tool(
    node("-n= --namespace= --kubeconfig= --context=", {"version guestosinfo fslist userlist": node("--client")})
)
_VELERO_GET = node("-o= --output= -l= --selector= --show-labels --details --insecure-skip-tls-verify --cacert=")
_VELERO_KINDS = "backups backup restores restore schedules schedule backup-locations snapshot-locations plugins"
VELERO = Tool(
    node(
        "-n= --namespace= --kubeconfig= --kubecontext=",
        {
            "get describe": node("", {_VELERO_KINDS: _VELERO_GET}),
            "backup restore schedule": node("", {"get describe logs": _VELERO_GET}),
            "version": node("--client-only --timeout="),
        },
    )
)
CEPH = Tool(
    node(
        "--cluster= -c= --conf= --id= --user= -n= --name= -k= --keyring= -f= --format= --connect-timeout= -s "
        "--status --watch-debug --concise",
        {
            "status health df versions version quorum_status": node("", {"detail": node("")}),
            "osd": node(
                "",
                {
                    "tree df stat dump ls status perf utilization find metadata versions": node(""),
                    "pool": node("", {"ls stats get": node(""), "autoscale-status": node("")}),
                },
            ),
            "pg": node("", {"stat dump ls query dump_stuck ls-by-pool": node("")}),
            "mon": node("", {"stat dump": node("")}),
            "mgr": node("", {"stat dump services": node(""), "module": node("", {"ls": node("")})}),
            "fs": node("", {"status ls dump": node("")}),
            "auth": node("", {"ls list": node("")}),
        },
    )
)
_IP_SHOW = node("", {"show sh s list lst ls l get g": node("")})
IP = Tool(
    node(
        "-br --brief -c? --color? -4 -6 -d --details -s --stats -j --json -p --pretty -o --oneline -a --all",
        {
            "addr address a link l route r ro neigh neighbor n rule ru maddress maddr netconf monitor": _IP_SHOW,
            "netns": node("", {"list ls identify": node("")}),
        },
    ),
    style="single",
)
SS = Tool(
    node(
        "-t -u -l -n -p -a -x -w -e -m -o -i -s -r -4 -6 -H -O -Z -z --tcp --udp --listening --numeric --processes "
        "--all --extended --memory --options --info --summary --resolve --no-header --oneline -f= --family= "
        "-A= --query= --socket="
    )
)
NETSTAT = Tool(
    node(
        "-t -u -l -n -p -a -x -w -e -r -i -s -g -W -4 -6 --tcp --udp --listening --numeric --program --all "
        "--extend --route --interfaces --statistics --groups --wide"
    )
)

# ---------------------------------------------------------------- files and text
_GREP = node(
    "-i -v -c -n -l -L -r -R -E -F -G -P -w -x -o -q -s -h -H -a -I -z -Z -b -T -U -y -m= -A= -B= -C= -e= -f= "
    "--include= --exclude= --exclude-dir= --color? --colour? --line-buffered --label= --max-count= --count "
    "--ignore-case --no-ignore-case --invert-match --files-with-matches --files-without-match --recursive "
    "--dereference-recursive --extended-regexp --fixed-strings --basic-regexp --perl-regexp --word-regexp "
    "--line-regexp --line-number --only-matching --quiet --silent --no-messages --with-filename --no-filename "
    "--null --null-data --text --binary-files= -D= -d= --devices= --directories= --after-context= "
    "--before-context= --context= --regexp= --file= --initial-tab --byte-offset",
    numeric=True,
)
_SUMS = node("-c --check -b --binary -t --text --tag --quiet --status -w --warn --strict --ignore-missing -z")
FILES: dict[str, Tool] = {
    "ls": Tool(
        node(
            "-l -a -A -h -t -r -S -R -d -1 -i -n -F -p -G -o -g -c -u -U -X -v -Z -s -k -L -H -m -x -q -Q -N -C "
            "-I= -w= -T= --color? --time-style= --full-time --sort= --time= --format= --human-readable --all "
            "--almost-all --directory --recursive --reverse --inode --classify? --group-directories-first "
            "--block-size= --ignore= --hide= --width= --quoting-style= --indicator-style= --si --context "
            "--numeric-uid-gid --author --dereference --tabsize= --size --literal --escape"
        )
    ),
    "cat": Tool(
        node(
            "-n -b -A -e -E -s -T -t -v -u --number --number-nonblank --show-all --squeeze-blank --show-ends "
            "--show-tabs --show-nonprinting"
        )
    ),
    "head": Tool(node("-n= -c= -q -v -z --lines= --bytes= --quiet --silent --verbose --zero-terminated", numeric=True)),
    "tail": Tool(
        node(
            "-n= -c= -q -v -z -f -F -s= --lines= --bytes= --quiet --silent --verbose --follow? --retry --pid= "
            "--sleep-interval= --zero-terminated",
            numeric=True,
        )
    ),
    "grep": Tool(_GREP),
    "egrep": Tool(_GREP),
    "fgrep": Tool(_GREP),
    "zgrep": Tool(_GREP),
    "rg": Tool(
        node(
            "-i -v -c -n -l -S -F -w -x -o -N -u -L -z -a -H -I -s -q -p -e= -g= -t= -T= -A= -B= -C= -m= -M= -j= "
            "--glob= --iglob= --type= --type-not= --hidden --no-ignore --files --files-with-matches --count "
            "--no-heading --heading --smart-case --ignore-case --fixed-strings --word-regexp --max-count= "
            "--max-columns= --color= --json --line-number --no-line-number --only-matching --follow "
            "--search-zip --context= --after-context= --before-context= --regexp= --threads= --sort= --stats",
            numeric=True,
        )
    ),
    "wc": Tool(node("-l -c -w -m -L --lines --bytes --words --chars --max-line-length --files0-from=")),
    "sort": Tool(
        node(
            "-n -r -k= -t= -u -h -V -f -b -d -g -M -R -s -z -c -C -i --key= --field-separator= --numeric-sort "
            "--reverse --unique --human-numeric-sort --version-sort --ignore-case --stable --ignore-leading-blanks "
            "--general-numeric-sort --month-sort --random-sort --check? --zero-terminated -S= --buffer-size= "
            "--parallel="
        )
    ),
    "uniq": Tool(
        node(
            "-c -d -u -i -z -D -f= -s= -w= --count --repeated --unique --ignore-case --skip-fields= --skip-chars= "
            "--check-chars= --all-repeated? --group?",
            operands=1,
        )
    ),
    "cut": Tool(
        node(
            "-d= -f= -c= -b= -s -z -n --complement --output-delimiter= --delimiter= --fields= --characters= --bytes= "
            "--only-delimited --zero-terminated"
        )
    ),
    "tr": Tool(node("-d -s -c -C -t --delete --squeeze-repeats --complement --truncate-set1", operands=2)),
    "column": Tool(node("-t -s= -c= -o= -N= -n -x -e -L -R= -H= -J --table --separator= --output-separator=")),
    "nl": Tool(node("-b= -n= -w= -s= -v= -i= -h= -f= -d= -p")),
    "jq": Tool(
        node(
            "-r -c -s -n -e -j -a -S -C -M -R -0 --tab --indent= --arg== --argjson== --slurpfile== --rawfile== "
            "--raw-output --compact-output --slurp --null-input --exit-status --join-output --ascii-output "
            "--sort-keys --color-output --monochrome-output --raw-input --seq --stream --args --jsonargs -f= "
            "--from-file= -L= --raw-output0"
        )
    ),
    "yq": Tool(
        # "yq e EXPR FILE" and "yq EXPR FILE": e/eval are operands like the expression
        node(
            "-o= --output-format= -p= --input-format= -P --prettyPrint -r --unwrapScalar? -e --exit-status -I= "
            "--indent= -N --no-doc -C --colors -M --no-colors -j --tojson --expression="
        )
    ),
    "base64": Tool(node("-d --decode -i --ignore-garbage -w= --wrap=")),
    "zcat": Tool(node("-f --force -q --quiet -v --verbose -l --list")),
    "tac": Tool(node("-b -r -s= --before --regex --separator=")),
    "paste": Tool(node("-d= -s -z --delimiters= --serial --zero-terminated")),
    "comm": Tool(node("-1 -2 -3 -i -z --check-order --nocheck-order --output-delimiter= --total", operands=2)),
    "du": Tool(
        node(
            "-s -h -a -c -x -b -k -m -l -L -P -D -H -S -0 -d= -B= -t= -X= --max-depth= --block-size= --summarize "
            "--human-readable --apparent-size --total --one-file-system --exclude= --exclude-from= --time? "
            "--time-style= --inodes --threshold= --si --count-links --dereference --separate-dirs --null"
        )
    ),
    "df": Tool(
        node(
            "-h -H -k -m -T -i -a -l -P -t= -x= -B= --output? --total --type= --exclude-type= --human-readable "
            "--inodes --print-type --local --portability --si --block-size= --all"
        )
    ),
    "free": Tool(
        node(
            "-h -m -g -k -b -t -w -l -s= -c= --human --mega --giga --kilo --bytes --kibi --mebi --gibi --tebi "
            "--total --wide --si --lohi --seconds= --count="
        )
    ),
    "ps": Tool(
        node(
            "-e -f -A -a -d -l -L -T -H -w -x -j -F -M -N -y -Z -u= -U= -p= -o= -O= -C= -q= -t= -g= -G= -s= "
            "--pid= --ppid= --sort= --forest --no-headers --headers --deselect --cols= --columns= --width= "
            "--format= --user= --group="
        )
    ),
    "pgrep": Tool(
        node(
            "-f -l -a -x -n -o -c -i -v -w -u= -U= -g= -G= -P= -s= -t= -d= -r= --full --list-name --list-full "
            "--count --exact --newest --oldest --ignore-case --inverse --ns= --nslist= --parent="
        )
    ),
    "dmesg": Tool(
        node(
            "-T -H -L? -k -u -x -t -d -e -P -r -l= -f= -S --color? --level= --facility= --ctime --human --kernel "
            "--userspace --decode --nopager --notime --reltime --show-delta --raw --since= --until= "
            "--time-format= --syslog"
        )
    ),
    "lsof": Tool(node("-i? -n -P -t -a -l -w -V -R -b -p= -u= -c= -d= -s? -F?")),
    "lsblk": Tool(
        node(
            "-f -a -b -d -m -p -l -n -r -J -S -t -i -O -z -o= -e= -I= -x= --fs --all --bytes --nodeps --list "
            "--noheadings --raw --json --output= --paths --scsi --topology --ascii --output-all --sort="
        )
    ),
    "blkid": Tool(node("-o= -s= -l -t= -L= -U= -k -p -i -c=/DEV/NULL --output= --match-tag= --probe --info")),
    "findmnt": Tool(
        node(
            "-l -n -o= -t= -S= -T= -D -J -r -A -a -P -u -M= -s -m -k -f -e -v -R -U --real --pseudo --target= "
            "--source= --types= --output= --list --noheadings --json --raw --df --mountpoint= --fstab --kernel "
            "--mtab --first-only --evaluate --submounts --nofsroot --pairs --canonicalize --notruncate -c"
        )
    ),
    "stat": Tool(node("-c= --format= --printf= -f -L -t --terse --file-system --dereference --cached=")),
    "file": Tool(
        node(
            "-b -i -L -h -s -z -k -N -0 -p -E -r --brief --mime --mime-type --mime-encoding "
            "--dereference --no-dereference --special-files --uncompress --keep-going --raw"
        )
    ),
    "md5sum": Tool(_SUMS),
    "sha1sum": Tool(_SUMS),
    "sha256sum": Tool(_SUMS),
    "sha512sum": Tool(_SUMS),
    "cksum": Tool(node("-a= --algorithm= --tag --untagged --raw -l= --length= --check -c --base64")),
    "diff": Tool(
        node(
            "-u -U= -q -r -N -y -w -b -B -i -a -c -C= -s -x= -X= -W= -t -T -E -Z -d -p --brief --recursive "
            "--unified? --side-by-side --ignore-all-space --ignore-space-change --ignore-blank-lines --color? "
            "--label= --strip-trailing-cr --exclude= --exclude-from= --suppress-common-lines --width= --normal "
            "--report-identical-files --new-file --text --ignore-case --minimal --context? --expand-tabs"
        ),
    ),
    "cmp": Tool(node("-s -l -b -i= -n= --silent --quiet --verbose --bytes= --ignore-initial= --print-bytes")),
    "readlink": Tool(node("-f -e -m -n -q -s -v -z --canonicalize --canonicalize-existing --canonicalize-missing")),
    "realpath": Tool(node("-e -m -s -q -L -P -z --relative-to= --relative-base= --no-symlinks --canonicalize-missing")),
    "basename": Tool(node("-a -s= -z --suffix= --multiple --zero")),
    "dirname": Tool(node("-z --zero")),
    "find": Tool(
        node(
            "-name= -iname= -path= -ipath= -wholename= -regex= -iregex= -type= -xtype= -maxdepth= -mindepth= "
            "-mtime= -mmin= -atime= -amin= -ctime= -cmin= -newer= -size= -user= -group= -uid= -gid= -perm= "
            "-links= -inum= -samefile= -fstype= -readable -writable -executable -empty -print -print0 -ls -prune "
            "-printf= -xdev -mount -depth -follow -nouser -nogroup -true -false -o -or -a -and -not -L -H -P "
            "-regextype= -daystart -quit -lname= -ilname= -used=",
        ),
        style="single",
    ),
    "sed": Tool(
        node(
            "-n -E -r -s -u -z --quiet --silent --regexp-extended --separate --unbuffered --posix --debug "
            "--null-data --sandbox -e= --expression= -l= --line-length="
        ),
        check="sed",
    ),
    "awk": Tool(node("-F= -v= --field-separator= --assign= -b --characters-as-bytes -P --posix"), check="awk"),
    "gawk": Tool(node("-F= -v= --field-separator= --assign= -b --characters-as-bytes -P --posix"), check="awk"),
    "mawk": Tool(node("-F= -v="), check="awk"),
}

# ---------------------------------------------------------------- network
_CURL = (
    "-s --silent -S --show-error -k --insecure -v --verbose -H= --header= -L --location -I --head -i --include "
    "--cacert= --capath= --cert= -E= --key= --cert-type= --key-type= -m= --max-time= --connect-timeout= -f "
    "--fail --fail-with-body -X=GET|HEAD --request=GET|HEAD -w= --write-out= --resolve= --noproxy= -x= --proxy= "
    "--retry= --retry-delay= --retry-max-time= -u= --user= --compressed -4 -6 --http1.1 --http2 -g --globoff -N "
    "--no-buffer -A= --user-agent= -e= --referer= --unix-socket= -q --disable -G --get --url= -# --progress-bar "
    "--location-trusted --max-redirs= --tlsv1.2 --tlsv1.3 --ssl-no-revoke --pinnedpubkey= --basic --digest "
    "--negotiate --ntlm --oauth2-bearer= -Y= -y= --speed-limit= --speed-time= --interface= --dns-servers= -b= "
    "--cookie= --trace-time --path-as-is"
)
NETWORK: dict[str, Tool] = {
    "curl": Tool(node(_CURL), check="curl"),
    "ping": Tool(node("-c= -i= -W= -w= -s= -q -n -4 -6 -I= -t= -D -O -a -v -M= -Q= -l=", operands=1)),
    "dig": Tool(node("-x= -t= -p= -4 -6 -c= -q= -b= -k= -u -m -r -v -h")),
    "host": Tool(node("-t= -a -v -W= -w -4 -6 -C -d -l -r -R= -T -U= -N=", operands=2)),
    "nslookup": Tool(
        node("-type= -query= -querytype= -timeout= -port= -debug -nodebug -retry= -vc -novc", operands=2),
        style="single",
    ),
    "getent": Tool(node("-s= --service= -i --no-idn")),
    "showmount": Tool(node("-e -a -d --exports --all --directories --no-headers", operands=1)),
    "ssh-add": Tool(node("-l -L -E= -v -q", operands=0, require=("-l", "-L"))),
    "openssl": Tool(
        node(
            "",
            {
                "x509": node(
                    "-in= -inform= -noout -text -subject -issuer -enddate -startdate -dates -fingerprint -serial "
                    "-purpose -ext= -nameopt= -sha256 -sha1 -md5 -modulus -pubkey -checkend= -email -hash "
                    "-issuer_hash -subject_hash -ocsp_uri -certopt= -ocspid -alias",
                    operands=0,
                ),
                "req": node("-in= -inform= -noout -text -verify -subject -pubkey -modulus -nameopt=", operands=0),
                "crl": node(
                    "-in= -inform= -noout -text -issuer -lastupdate -nextupdate -hash -fingerprint", operands=0
                ),
                "verify": node(
                    "-CAfile= -CApath= -untrusted= -purpose= -verbose -show_chain -crl_check -partial_chain"
                ),
                "s_client": node(
                    "-connect= -servername= -showcerts -CAfile= -CApath= -cert= -key= -verify_return_error -brief "
                    "-tls1_2 -tls1_3 -alpn= -starttls= -verify= -status -state -prexit -no_ign_eof -quiet -4 -6 "
                    "-verify_hostname= -proxy= -sigalgs= -cipher= -ciphersuites= -nameopt= -msg -debug",
                    operands=0,
                ),
                "version": node("-a -v -b -o -f -p -d"),
                "ciphers": node("-v -V -s -tls1_2 -tls1_3 -stdname"),
                "rsa pkey ec": node("-in= -inform= -noout -text -check -pubin -modulus", operands=0),
            },
            bare=False,
        ),
        style="single",
        check="openssl",
    ),
}

# ---------------------------------------------------------------- the session, the system, other tools
# listing only: -L/-S must be given; -A/-D/-I/-F/-X/-P/-N/-Z (and -L -Z, which zeroes counters) are not listed
_IPTABLES = node(
    "-L? --list? -S? --list-rules? -n --numeric -v --verbose -x --exact --line-numbers -t= --table= -w? --wait?",
    require=("-L", "--list", "-S", "--list-rules"),
)
MISC: dict[str, Tool] = {
    "echo": Tool(node(""), style="none"),
    "printf": Tool(node(""), intersperse=False),
    "true": Tool(node(""), style="none"),
    "false": Tool(node(""), style="none"),
    ":": Tool(node(""), style="none"),
    "test": Tool(node(""), style="none"),
    "[": Tool(node(""), style="none"),
    "sleep": Tool(node("", operand=r"[0-9.]+[smhd]?")),
    "pwd": Tool(node("-L -P", operands=0)),
    "cd": Tool(node("-L -P", operands=1)),
    "date": Tool(
        node(
            "-u -R -I? -d= -r= -f= --date= --reference= --file= --utc --universal --iso-8601? --rfc-3339= "
            "--rfc-email --debug",
            operand=r"\+.*",
            operands=1,
        )
    ),
    "uptime": Tool(node("-p -s --pretty --since", operands=0)),
    "whoami": Tool(node("", operands=0)),
    "id": Tool(node("-u -g -G -n -r -z -Z -a --user --group --groups --name --real --zero")),
    "uname": Tool(
        node(
            "-a -r -s -n -m -v -o -p -i --all --kernel-name --nodename --kernel-release --kernel-version --machine "
            "--processor --hardware-platform --operating-system",
            operands=0,
        )
    ),
    "hostname": Tool(
        node("-f -s -i -I -d -A -a -y --fqdn --long --short --ip-address --all-ip-addresses --domain", operands=0)
    ),
    "which": Tool(node("-a --all")),
    "type": Tool(node("-t -a -p -P -f")),
    "command": Tool(node("-v -V -p", require=("-v", "-V"))),
    "printenv": Tool(node("-0 --null")),
    "xfs_repair": Tool(node("-n -v -f -m= -P -o= -d", operands=1, require=("-n",))),
    "fsck": Tool(node("-n -N -V -T -C? -t=", require=("-n", "-N"))),
    "e2fsck": Tool(node("-n -f -v -C= -b= -B= -t -d", require=("-n",))),
    "fsck.ext4": Tool(node("-n -f -v -C= -b= -B= -t -d", require=("-n",))),
    "fsck.xfs": Tool(node("-n -f", require=("-n",))),
    "mount": Tool(node("-l -t= --show-labels --types=", operands=0)),
    "iptables": Tool(_IPTABLES),
    "ip6tables": Tool(_IPTABLES),
    "kubectx": Tool(node("-c --current", operands=0)),
    "kubens": Tool(node("-c --current", operands=0)),
    "mysql": Tool(
        node(
            "-u= --user= -h= --host= -P= --port= -D= --database= -N -B -s -t -E -v -r -H -X --batch --silent "
            "--skip-column-names --table --vertical --raw --html --xml -p? --password? --ssl-ca= --ssl-mode= "
            "--protocol= -S= --socket= --default-character-set= --connect-timeout= -e= --execute=",
            operands=1,
            require=("-e", "--execute"),
        ),
        check="sql",
    ),
    "psql": Tool(
        node(
            "-h= --host= -p= --port= -U= --username= -d= --dbname= -t -A -X -q -w -x --tuples-only --no-align "
            "--no-psqlrc --quiet --no-password --expanded -F= --field-separator= -R= --record-separator= -P= "
            "--pset= -c= --command=",
            operands=2,
            require=("-c", "--command"),
        ),
        check="sql",
    ),
    "sqlite3": Tool(
        node("-readonly -header -noheader -csv -json -line -list -column -batch -bail -separator= -nullvalue="),
        style="single",
        check="sqlite",
    ),
}

TOOLS: Mapping[str, Tool] = MappingProxyType(
    {
        "kubectl": KUBECTL,
        "oc": OC,
        "helm": HELM,
        "docker": DOCKER,
        "podman": PODMAN,
        "docker-compose": DOCKER_COMPOSE,
        "crictl": CRICTL,
        "systemctl": SYSTEMCTL,
        "journalctl": JOURNALCTL,
        "timedatectl": TIMEDATECTL,
        "chronyc": CHRONYC,
        "ntpq": NTPQ,
        "drbdadm": DRBDADM,
        "drbdsetup": DRBDSETUP,
        "etcdctl": ETCDCTL,
        "konvoy": KONVOY,
        "git": GIT,
        "virtctl": VIRTCTL,
        "velero": VELERO,
        "ceph": CEPH,
        "ip": IP,
        "ss": SS,
        "netstat": NETSTAT,
        **FILES,
        **NETWORK,
        **MISC,
    }
)

WRAPPERS: Mapping[str, Wrapper] = MappingProxyType(
    {
        "sudo": Wrapper(
            opts("-u= --user= -g= --group= -E --preserve-env? -H --set-home -n --non-interactive -k -S --stdin"),
            assignments=True,
            bare_reads=False,
        ),
        "env": Wrapper(opts("-i --ignore-environment -u= --unset= -0 --null -C= --chdir="), assignments=True),
        "timeout": Wrapper(
            opts("-s= --signal= -k= --kill-after= --preserve-status --foreground -v --verbose"),
            operands=1,
            bare_reads=False,
        ),
        "nice": Wrapper(opts("-n= --adjustment="), bare_reads=True),
        "ionice": Wrapper(opts("-c= --class= -n= --classdata= -t --ignore"), bare_reads=True),
        "nohup": Wrapper(opts(""), bare_reads=False, writes="nohup appends the output to nohup.out at a terminal"),
        "stdbuf": Wrapper(opts("-i= -o= -e= --input= --output= --error="), bare_reads=False),
        "xargs": Wrapper(
            opts(
                "-0 --null -r --no-run-if-empty -t --verbose -n= --max-args= -L= --max-lines= -d= --delimiter= "
                "-I= -i? --replace? -P= --max-procs= -s= --max-chars= -x --exit"
            ),
            stdin_args=True,
        ),
        "watch": Wrapper(
            opts(
                "-n= --interval= -d? --differences? -t --no-title -e --errexit -g --chgexit -c --color -b --beep "
                "-p --precise -w --no-wrap"
            ),
            shell_string=True,
            manual="watch runs until it is stopped",
            bare_reads=False,
        ),
    }
)

# Variables that decide which programs, libraries, configuration or credentials later commands use: setting
# one (in the step, with export/declare, on a command, through env or a loop) makes the step mutating.
PATH_LIKE = frozenset(
    "PATH LD_PRELOAD LD_LIBRARY_PATH LD_AUDIT KUBECONFIG HOME BASH_ENV ENV PYTHONPATH PYTHONSTARTUP PYTHONHOME "
    "PYTHONUSERBASE IFS PERL5LIB PERL5OPT PERLLIB RUBYLIB RUBYOPT NODE_OPTIONS NODE_PATH SHELLOPTS BASHOPTS PS4 "
    "PROMPT_COMMAND CDPATH GLOBIGNORE PAGER MANPAGER EDITOR VISUAL KUBE_EDITOR KUBECTL_EXTERNAL_DIFF "
    "SYSTEMD_PAGER SYSTEMD_EDITOR DOCKER_CONFIG DOCKER_HOST HELM_PLUGINS HELM_CONFIG_HOME XDG_CONFIG_HOME "
    "CURL_HOME WGETRC SSL_CERT_FILE SSL_CERT_DIR LESSOPEN LESSCLOSE TMPDIR SHELL HISTFILE INPUTRC JQ_LIBRARY_PATH "
    "ETCDCTL_ENDPOINTS CONTAINER_HOST SSH_ASKPASS".split()
)
# (one table for the classifier and for where a parameter value may land: medic.act.placement)
PATH_LIKE_PREFIXES = ("LD_", "DYLD_", "GIT_", "BASH_FUNC", "PYTHON", "RIPGREP_", "SUDO_", "KUBECTL_", "MEDIC_")


def path_like(name: str) -> bool:
    return name in PATH_LIKE or name.startswith(PATH_LIKE_PREFIXES)
