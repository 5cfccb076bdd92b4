"""Child processes under supervisord, which restarts a crashed one with backoff.

A crashed action server must not take the Rasa server, the web server or the
Telegram bridge down with it. supervisord (a well-kept supervisor) restarts a
process that exits unexpectedly, waits longer after each quick failure
(1 s, 2 s, 3 s, ...), logs each exit and start to ``var/logs/supervisord.log``
and leaves the other processes serving. :class:`Supervisor` writes its
configuration, starts it, and talks to it over its private Unix socket.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional

from supervisor.xmlrpc import SupervisorTransport

from bot.private_files import PRIVATE_UMASK

START_RETRIES = 10  # quick failures in a row before supervisord gives up on a process (FATAL)
SOCKET_PATH_MAX = 100  # Unix socket paths are limited to about 108 bytes


@dataclass
class Program:
    """One supervised process."""

    name: str  # supervisord's name for it: a single word
    command: List[str]
    log_path: Path
    env: Dict[str, str] = field(default_factory=dict)  # on top of the supervisor's own environment
    start_seconds: int = 3  # exits sooner than this count as failed starts (backoff)
    stop_seconds: int = 15  # the stop signal, then SIGKILL after this long
    stop_signal: str = "TERM"  # PostgreSQL: INT (fast shutdown; TERM waits for every client)
    user: Optional[str] = None  # run as this OS user (PostgreSQL refuses to run as root)
    priority: int = 500  # lower starts first and stops last (databases before the services using them)


def _escape(value: str) -> str:
    """supervisord expands ``%(name)s`` in its configuration; ours are literal."""
    return value.replace("%", "%%")


def _environment(env: Mapping[str, str]) -> str:
    for key, value in env.items():
        if '"' in value or "\n" in value:
            raise ValueError(f"{key} holds a quote or a line break, which supervisord cannot pass on")
    return ",".join(f'{key}="{_escape(value)}"' for key, value in env.items())


def render_config(programs: List[Program], *, socket: Path, log_path: Path, pid_path: Path, cwd: Path) -> str:
    lines = [
        "[supervisord]",
        "nodaemon=true",
        f"logfile={_escape(str(log_path))}",
        "logfile_maxbytes=5MB",
        "logfile_backups=2",
        f"pidfile={_escape(str(pid_path))}",
        f"directory={_escape(str(cwd))}",
        "umask=077",
        "",
        "[unix_http_server]",
        f"file={_escape(str(socket))}",
        "chmod=0700",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
    ]
    for program in programs:
        lines += [
            f"[program:{program.name}]",
            f"command={_escape(shlex.join(program.command))}",
            f"directory={_escape(str(cwd))}",
            *([f"environment={_environment(program.env)}"] if program.env else []),
            f"stdout_logfile={_escape(str(program.log_path))}",
            "redirect_stderr=true",
            "stdout_logfile_maxbytes=10MB",
            "stdout_logfile_backups=3",
            "autostart=true",
            "autorestart=true",
            f"startsecs={program.start_seconds}",
            f"startretries={START_RETRIES}",
            f"stopsignal={program.stop_signal}",
            f"stopwaitsecs={program.stop_seconds}",
            *([f"user={program.user}"] if program.user else []),
            f"priority={program.priority}",
            "stopasgroup=true",
            "killasgroup=true",
            "",
        ]
    return "\n".join(lines)


class Supervisor:
    """One supervisord process for a set of programs."""

    def __init__(
        self, programs: List[Program], state_dir: Path, log_path: Path, cwd: Path, env: Mapping[str, str]
    ) -> None:
        self.programs = programs
        self.state_dir = state_dir
        self.log_path = log_path
        self.cwd = cwd
        self.env = dict(env)
        self.socket = state_dir / "supervisor.sock"
        if len(str(self.socket)) > SOCKET_PATH_MAX:
            self.socket = Path(tempfile.mkdtemp(prefix="signpost-")) / "supervisor.sock"
        self.process: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 30) -> None:
        previous = os.umask(PRIVATE_UMASK)  # what supervisord and its children write is private
        try:
            self._start(timeout)
        finally:
            os.umask(previous)

    def _start(self, timeout: float) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        config = self.state_dir / "supervisord.conf"
        config.write_text(
            render_config(
                self.programs,
                socket=self.socket,
                log_path=self.log_path,
                pid_path=self.state_dir / "supervisord.pid",
                cwd=self.cwd,
            )
        )
        with open(self.log_path.with_suffix(".out"), "ab") as out:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "supervisord"), "-c", str(config)],
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.rpc().getState()
                return
            except (OSError, xmlrpc.client.Error):
                if self.process.poll() is not None:
                    raise RuntimeError(f"supervisord exited; see {self.log_path}") from None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"supervisord did not start; see {self.log_path}") from None
                time.sleep(0.2)

    def rpc(self) -> Any:
        """supervisord's XML-RPC namespace (a new connection each time: proxies are not thread-safe)."""
        transport = SupervisorTransport(None, None, f"unix://{self.socket}")
        return xmlrpc.client.ServerProxy("http://localhost", transport=transport).supervisor

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def info(self, name: str) -> Dict[str, Any]:
        return dict(self.rpc().getProcessInfo(name))

    def states(self) -> Dict[str, str]:
        """Each program's state: RUNNING, STARTING, BACKOFF, EXITED, FATAL, STOPPED, ..."""
        return {info["name"]: info["statename"] for info in self.rpc().getAllProcessInfo()}

    def stop_program(self, name: str) -> None:
        self._ask(lambda rpc: rpc.stopProcess(name, True), already="NOT_RUNNING")

    def start_program(self, name: str) -> None:
        self._ask(lambda rpc: rpc.startProcess(name, False), already="ALREADY_STARTED")

    def _ask(self, call: Callable[[Any], Any], already: str) -> None:
        """One XML-RPC call; supervisord's fault saying it is done already is not an error."""
        try:
            call(self.rpc())
        except xmlrpc.client.Fault as fault:
            if already not in fault.faultString:
                raise

    def stop(self, timeout: float = 60) -> None:
        """supervisord stops every program (SIGTERM, then SIGKILL), then exits."""
        if not self.alive():
            return
        assert self.process is not None
        pids: List[int] = []
        try:
            pids = [int(i["pid"]) for i in self.rpc().getAllProcessInfo() if i["pid"]]
        except (OSError, xmlrpc.client.Error):
            pass
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            for pid in pids:  # each child leads its own process group
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
