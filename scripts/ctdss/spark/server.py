"""A local Spark Thrift server for the `spark` dbt target, started from the installed pyspark.

The server runs `local[2]`, bound to one address (127.0.0.1 by default), and keeps everything it writes under
one folder (config.spark_dir()): the tables, the Derby metastore (with the `hive` catalog), scratch space, its log
and its pid file.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ctdss.errors import UserError

THRIFT_SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
POLL_SECONDS = 0.5
# A local server's tables are small, so each query's cost is fixed overhead rather than rows. Compiling Java for
# every plan (whole-stage and expression code generation, Janino) took about half the build time of the rpt_
# models, whose suppression passes plan hundreds of operators; interpreting the same expressions over a few
# thousand rows is faster. Adaptive execution re-plans after every shuffle stage, which costs more than it saves
# at this size. The results are the same either way: these settings change how Spark runs a plan, not what it
# computes. A cluster keeps its own defaults.
SMALL_DATA_CONF = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.sql.adaptive.enabled": "false",
}
STOP_TIMEOUT_SECONDS = 30.0
# Where the server keeps its table definitions (spark.sql.catalogImplementation). `hive`, the default, keeps them in
# a Derby metastore under the server's folder, so the tables survive a restart. `in-memory` forgets them when the
# server stops, and costs the server about a quarter less CPU (no metastore round trips through Derby): for a
# server that is thrown away with its folder, as `make spark-test`'s is.
CATALOGS = ("hive", "in-memory")


@dataclass(frozen=True)
class SparkServer:
    """Where one local Thrift server listens and keeps its files."""

    host: str
    port: int
    root: Path
    catalog: str = "hive"

    @property
    def pid_file(self) -> Path:
        return self.root / "thriftserver.pid"

    @property
    def log_file(self) -> Path:
        return self.root / "thriftserver.log"


def spark_submit() -> Path:
    """pyspark's spark-submit, or a one-paragraph error saying how to install pyspark."""
    spec = importlib.util.find_spec("pyspark")
    if spec is None or spec.origin is None:
        raise UserError(
            "Cannot start Spark: the pyspark package is not installed in this environment. The Spark target's "
            "packages are an optional extra, kept out of the default install; run `make spark-setup` (or "
            "`.venv/bin/pip install -c constraints.txt -e '.[spark]'`) and try again."
        )
    return Path(spec.origin).parent / "bin" / "spark-submit"


def require_java() -> None:
    """Fails with one paragraph when no Java runtime is on PATH or under $JAVA_HOME."""
    java_home = os.environ.get("JAVA_HOME")
    if shutil.which("java") or (java_home and (Path(java_home) / "bin" / "java").exists()):
        return
    raise UserError(
        "Cannot start Spark: no Java runtime was found (no `java` on PATH and no $JAVA_HOME). Spark 4 needs "
        "Java 17 or 21; on Debian or Ubuntu install it with `apt-get install openjdk-17-jre-headless`, or set "
        "JAVA_HOME to an installed JDK, and try again."
    )


def command(server: SparkServer) -> list[str]:
    """The spark-submit command line: local[2], one bind address, every file under the server's folder."""
    root = server.root
    conf = {
        "spark.sql.warehouse.dir": str(root / "tables"),
        "spark.sql.catalogImplementation": server.catalog,
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={root / 'metastore_db'};create=true",
        "spark.local.dir": str(root / "scratch"),
        # The raw timestamps are UTC; reading them in another zone would shift every _loaded_at.
        "spark.sql.session.timeZone": "UTC",
        # No web UI: it would open another port, on every interface.
        "spark.ui.enabled": "false",
        # Warnings and errors only: Spark's INFO lines (tens of thousands per build) cost the server CPU to write.
        "spark.log.level": "WARN",
        "spark.driver.host": server.host,
        "spark.driver.bindAddress": server.host,
        # The sample is small: Spark's default of 200 shuffle partitions spends most of each query on overhead,
        # and dbt's two threads already keep both cores busy, so one partition per shuffle is enough.
        "spark.sql.shuffle.partitions": "1",
        **SMALL_DATA_CONF,
    }
    args = [str(spark_submit()), "--master", "local[2]", "--name", "ctdss-thrift-server"]
    args += ["--class", THRIFT_SERVER_CLASS]
    # The serial collector: the heap of a local server is small, and the default collector's concurrent threads
    # compete for the two cores with the queries themselves.
    args += ["--driver-java-options", f"-Dderby.system.home={root} -XX:+UseSerialGC"]
    for key, value in conf.items():
        args += ["--conf", f"{key}={value}"]
    args += ["--hiveconf", f"hive.server2.thrift.bind.host={server.host}"]
    args += ["--hiveconf", f"hive.server2.thrift.port={server.port}"]
    return [*args, "spark-internal"]


def running_pid(server: SparkServer) -> int | None:
    """The pid in the pid file when that process is still our Thrift server, else None."""
    try:
        pid = int(server.pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    # A recycled pid belongs to some other process: never signal it.
    return pid if THRIFT_SERVER_CLASS.encode() in cmdline else None


def accepts_connections(server: SparkServer) -> bool:
    try:
        with socket.create_connection((server.host, server.port), timeout=1.0):
            return True
    except OSError:
        return False


def start(server: SparkServer, timeout: float) -> int:
    """Starts the server in the background and returns its pid once it accepts connections."""
    require_java()
    pid = running_pid(server)
    if pid is not None:
        raise UserError(
            f"A Spark Thrift server is already running (pid {pid}, recorded in {server.pid_file}). Use it as it "
            "is, or stop it first with `make spark-down`."
        )
    if accepts_connections(server):
        raise UserError(
            f"Cannot start Spark: another program already listens on {server.host}:{server.port}. Stop it, or "
            "choose a free port with CTDSS_SPARK_PORT, and try again."
        )
    server.root.mkdir(parents=True, exist_ok=True)
    with server.log_file.open("wb") as log:
        process = subprocess.Popen(
            command(server), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=server.root, start_new_session=True,
        )
    server.pid_file.write_text(f"{process.pid}\n")
    _wait_until_ready(server, process, timeout)
    return process.pid


def _wait_until_ready(server: SparkServer, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not accepts_connections(server):
        if process.poll() is not None:
            server.pid_file.unlink(missing_ok=True)
            raise UserError(
                f"The Spark Thrift server exited (status {process.returncode}) before it accepted connections. "
                f"The end of its log, {server.log_file}, says why:\n{_log_tail(server)}"
            )
        if time.monotonic() > deadline:
            stop(server)
            raise UserError(
                f"The Spark Thrift server did not accept connections on {server.host}:{server.port} within "
                f"{timeout:.0f} s, so it was stopped. Its log is {server.log_file}; on a slow machine raise "
                "CTDSS_SPARK_START_TIMEOUT."
            )
        time.sleep(POLL_SECONDS)


def _log_tail(server: SparkServer, lines: int = 15) -> str:
    try:
        return "\n".join(server.log_file.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log was written)"


def stop(server: SparkServer) -> int | None:
    """Stops the server recorded in the pid file (its whole process group) and returns its pid, or None."""
    pid = running_pid(server)
    server_was = pid
    if pid is not None:
        os.killpg(pid, signal.SIGTERM)
        if not _exited(pid, STOP_TIMEOUT_SECONDS):
            os.killpg(pid, signal.SIGKILL)
            _exited(pid, STOP_TIMEOUT_SECONDS)
    server.pid_file.unlink(missing_ok=True)
    return server_was


def _exited(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists() or _is_zombie(pid):
            return True
        time.sleep(POLL_SECONDS)
    return False


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (FileNotFoundError, IndexError):
        return True
