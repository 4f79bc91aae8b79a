"""The local Spark Thrift server's guards: one-paragraph errors, and never signalling a process it did not start.

Starting a real server is `make spark-test`'s job (it is kept out of `make test`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ctdss.errors import UserError
from ctdss.spark import server as spark_server
from ctdss.spark.server import SparkServer


def test_a_missing_java_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(UserError, match=r"no Java runtime was found.*apt-get install openjdk-17-jre-headless"):
        spark_server.start(SparkServer("127.0.0.1", 1, tmp_path), timeout=1)
    assert not (tmp_path / "thriftserver.pid").exists()


def test_a_missing_pyspark_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spark_server.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(UserError, match=r"pyspark package is not installed.*make spark-setup"):
        spark_server.spark_submit()


def test_a_pid_file_naming_another_process_is_never_signalled(tmp_path: Path) -> None:
    server = SparkServer("127.0.0.1", 1, tmp_path)
    server.pid_file.write_text(f"{os.getpid()}\n")  # this test's own process: not a Thrift server
    assert spark_server.running_pid(server) is None
    assert spark_server.stop(server) is None
    assert not server.pid_file.exists()


def test_the_server_binds_one_address_and_keeps_its_files_in_its_folder(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    args = spark_server.command(SparkServer("127.0.0.1", 10123, tmp_path))
    assert "hive.server2.thrift.bind.host=127.0.0.1" in args and "hive.server2.thrift.port=10123" in args
    assert "spark.driver.bindAddress=127.0.0.1" in args and "spark.ui.enabled=false" in args
    assert f"spark.sql.warehouse.dir={tmp_path / 'tables'}" in args
    assert any(a.startswith("spark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName="
                            f"{tmp_path / 'metastore_db'};") for a in args)
    java_options = args[args.index("--driver-java-options") + 1].split()
    assert f"-Dderby.system.home={tmp_path}" in java_options


def test_the_server_keeps_its_tables_in_a_metastore_unless_asked_to_keep_them_in_memory(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    assert "spark.sql.catalogImplementation=hive" in spark_server.command(SparkServer("127.0.0.1", 10123, tmp_path))
    in_memory = spark_server.command(SparkServer("127.0.0.1", 10123, tmp_path, "in-memory"))
    assert "spark.sql.catalogImplementation=in-memory" in in_memory
    assert "spark.sql.catalogImplementation=hive" not in in_memory


def test_the_server_interprets_small_queries_rather_than_compiling_them(tmp_path: Path) -> None:
    # Compiling Java for each plan and re-planning after each stage cost more than the sample's queries do.
    pytest.importorskip("pyspark")
    args = spark_server.command(SparkServer("127.0.0.1", 10123, tmp_path))
    assert "spark.sql.codegen.wholeStage=false" in args
    assert "spark.sql.codegen.factoryMode=NO_CODEGEN" in args
    assert "spark.sql.adaptive.enabled=false" in args
