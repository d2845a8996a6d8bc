"""newsquotes on Apache Spark: the bundle's `newsquotes extract -` once per partition.

Started by `scripts/spark-extract` (local) or `spark-submit` (a cluster, with the bundle shipped
as `--archives newsquotes-VERSION-linux-x86_64.tar.gz#newsquotes`). It

- reads JSONL, JSONL.gz or Parquet articles from any path Spark reads, with configurable id and
  text columns (every other column goes into the records' `meta`);
- numbers the documents in input order and cuts them into partitions of contiguous numbers,
  sorted within each partition, so that a partition always holds the same documents in the same
  order: a retried or speculative task recomputes exactly what the first attempt did, and Spark's
  output commit keeps one attempt's files, so no document is lost or written twice;
- runs `newsquotes extract - --docs FILE --manifest FILE` per partition (models loaded once per
  partition, `--threads` = the task's cores), JSONL in through stdin, records out through stdout;
  the binary's document index has exactly one line per input line, which the job checks, so a
  partition whose documents are not all accounted for fails (and Spark retries it) rather than
  losing any;
- writes OUTPUT/records (Parquet, the columns and types of `newsquotes extract --format parquet`),
  OUTPUT/documents (Parquet, every input document exactly once: records, none, or its error kind)
  and OUTPUT/manifest.json last (the single-machine manifest's fields plus the Spark facts);
- with --previous DIR (an earlier output of this job) recomputes only the documents whose
  content changed or whose records came from other models or settings, and takes the others'
  records over.
"""

import argparse
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from pyspark import SparkFiles, StorageLevel, TaskContext
from pyspark.sql import SparkSession, functions as F, types as T

MANIFEST_VERSION = 1

# Testing hook: with this set to "first-attempt", the first attempt of partition 0 fails after
# its first records have gone out, so that tests can see Spark's retry neither lose nor
# duplicate documents (tests/spark_job.rs).
FAULT_ENV = "NEWSQUOTES_SPARK_FAULT"

# The columns and types of `newsquotes extract --format parquet` (src/writer/parquet.rs).
_SPAN = T.StructType([T.StructField("start", T.LongType(), False),
                      T.StructField("end", T.LongType(), False)])
_STANCE = T.StructType([T.StructField("target", T.StringType(), False),
                        T.StructField("label", T.StringType(), False),
                        T.StructField("score", T.DoubleType(), False),
                        T.StructField("basis", T.StringType(), False)])
RECORD_SCHEMA = T.StructType([
    T.StructField("doc_id", T.StringType(), False),
    T.StructField("quote_id", T.StringType()),
    T.StructField("quote_text", T.StringType()),
    T.StructField("quote_kind", T.StringType()),
    T.StructField("quote_spans", T.ArrayType(_SPAN, False)),
    T.StructField("cue_text", T.StringType()),
    T.StructField("cue_start", T.LongType()),
    T.StructField("cue_end", T.LongType()),
    T.StructField("speaker_mention", T.StringType()),
    T.StructField("speaker_mention_start", T.LongType()),
    T.StructField("speaker_mention_end", T.LongType()),
    T.StructField("speaker_name", T.StringType()),
    T.StructField("speaker_kind", T.StringType()),
    T.StructField("speaker_role", T.StringType()),
    T.StructField("speaker_entity", T.StringType()),
    T.StructField("speaker_confidence", T.DoubleType()),
    T.StructField("stance", T.ArrayType(_STANCE, False)),
    T.StructField("claim_checkworthy", T.BooleanType()),
    T.StructField("claim_score", T.DoubleType()),
    T.StructField("meta", T.StringType()),
    T.StructField("provenance", T.StringType()),
    T.StructField("error_kind", T.StringType()),
    T.StructField("error_message", T.StringType()),
    T.StructField("speaker_key", T.StringType()),
    T.StructField("speaker_gender", T.StringType()),
    T.StructField("speaker_gender_evidence", T.StringType()),
    T.StructField("quote_start", T.LongType()),
    T.StructField("quote_end", T.LongType()),
    T.StructField("date", T.DateType()),
    T.StructField("source", T.StringType()),
    T.StructField("url", T.StringType()),
    T.StructField("title", T.StringType()),
])

# One row per input document.
DOCUMENT_SCHEMA = T.StructType([
    T.StructField("seq", T.LongType(), False),          # position in the job's input order
    T.StructField("source", T.StringType()),            # the input file it came from
    T.StructField("doc_id", T.StringType(), False),
    T.StructField("content_sha256", T.StringType(), False),  # sha256 of the JSONL line run
    T.StructField("sha256", T.StringType()),            # the binary's document hash
    T.StructField("words", T.LongType()),
    T.StructField("records", T.LongType(), False),
    T.StructField("error", T.StringType()),             # error kind, or null
    T.StructField("reused", T.BooleanType(), False),    # records taken over from --previous
    T.StructField("models", T.StringType()),            # stage -> model id, JSON
    T.StructField("run_key", T.StringType(), False),    # models + settings that decide records
    T.StructField("partition", T.IntegerType()),        # partition that computed it
])

# Extract options passed through to the binary: name -> takes a value.
EXTRACT_OPTIONS = {
    "--targets": True, "--no-target-gate": False, "--models": True, "--stance-model": True,
    "--claims-model": True, "--no-claims": False, "--extractor": True, "--batch-size": True,
    "--precision": True, "--max-doc-bytes": True,
}
# Options whose value is a local file or folder the executors need: shipped with the job.
SHIPPED_FILE_OPTIONS = {"--targets"}


def parse_args(argv):
    p = argparse.ArgumentParser(prog="newsquotes_spark.py", description=__doc__.split("\n")[0])
    p.add_argument("--bundle", required=True,
                   help="the unpacked bundle (a folder with bin/newsquotes, or one holding a "
                        "single such folder); relative paths are also looked up where Spark "
                        "unpacks --archives")
    p.add_argument("--input-format", choices=["auto", "jsonl", "parquet"], default="auto")
    p.add_argument("--id-column", default="id")
    p.add_argument("--text-column", default="text")
    p.add_argument("--partitions", type=int, default=0,
                   help="default: max(default parallelism, documents / 1000)")
    p.add_argument("--docs-per-partition", type=int, default=1000)
    p.add_argument("--previous", help="an earlier OUTPUT_DIR of this job: rerun")
    p.add_argument("paths", nargs="+", help="INPUT... OUTPUT_DIR")
    # Extract options (with their values) are taken out first; the rest is the job's.
    extract, rest, i = [], [], 0
    while i < len(argv):
        opt = argv[i]
        name, eq, inline = opt.partition("=")
        if name not in EXTRACT_OPTIONS:
            rest.append(opt)
        elif EXTRACT_OPTIONS[name]:
            if eq:
                value = inline
            else:
                i += 1
                if i >= len(argv):
                    p.error(f"{name} needs a value")
                value = argv[i]
            extract.append((name, value))
        else:
            extract.append((name, None))
        i += 1
    args = p.parse_args(rest)
    if len(args.paths) < 2:
        p.error("give at least one INPUT and the OUTPUT_DIR")
    args.inputs, args.output = args.paths[:-1], args.paths[-1]
    args.extract = extract
    return args


# ---------------------------------------------------------------- the executor side

def find_binary(bundle):
    """bin/newsquotes of the bundle, as seen from this process."""
    candidates = [bundle]
    if not os.path.isabs(bundle):
        try:
            candidates.append(os.path.join(SparkFiles.getRootDirectory(), bundle))
        except Exception:
            pass
    for c in candidates:
        if os.path.isfile(os.path.join(c, "bin", "newsquotes")):
            return os.path.join(c, "bin", "newsquotes")
        if os.path.isdir(c):
            subs = [os.path.join(c, s) for s in sorted(os.listdir(c))]
            subs = [s for s in subs if os.path.isfile(os.path.join(s, "bin", "newsquotes"))]
            if len(subs) == 1:
                return os.path.join(subs[0], "bin", "newsquotes")
    raise RuntimeError(f"newsquotes bundle not found at {bundle} (looked in {candidates})")


def bundle_hash(binary):
    """sha256 of the bundle's BUNDLE.sha256 (which lists the sha256 of every file in it)."""
    listing = os.path.join(os.path.dirname(os.path.dirname(binary)), "BUNDLE.sha256")
    try:
        with open(listing, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


def run_key(manifest):
    """What decides a document's records besides its content: the models (by id) and the
    settings; two runs with the same key give the same records for the same document."""
    config = manifest.get("config", {})
    decisive = {k: config.get(k) for k in (
        "extractor", "targets_sha256", "target_gate", "claims", "precision", "max_doc_bytes")}
    key = {
        "pipeline": manifest.get("pipeline"),
        "models": {k: v.get("id") for k, v in manifest.get("models", {}).items()},
        "config": decisive,
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def task_threads():
    ctx = TaskContext.get()
    try:
        return max(1, int(ctx.cpus())) if ctx else 1
    except Exception:
        return 1


def extract_command(binary, extract, workdir, files, threads):
    cmd = [binary, "extract", "-", "--progress", "never", "--threads", str(threads),
           "--docs", os.path.join(workdir, "run.docs"),
           "--manifest", os.path.join(workdir, "run.manifest.json")]
    for name, value in extract:
        if name in SHIPPED_FILE_OPTIONS:
            path = os.path.join(workdir, os.path.basename(name.strip("-")))
            with open(path, "w", encoding="utf-8") as f:
                f.write(files[name])
            value = path
        cmd.append(name)
        if value is not None:
            cmd.append(value)
    return cmd


def _spans(spans):
    return [(int(s), int(e)) for s, e in spans]


def _date(value):
    """`meta.date` as a date when it starts with a valid YYYY-MM-DD (then the end, a `T` or a
    space), as src/writer/parquet.rs's `date_days` reads it; else None."""
    if not isinstance(value, str):
        return None
    t = value.strip()
    if len(t) < 10 or (len(t) > 10 and t[10] not in "T "):
        return None
    try:
        return datetime.date(int(t[0:4]), int(t[5:7]), int(t[8:10])) if (
            t[4] == "-" and t[7] == "-" and t[0:4].isdigit() and t[5:7].isdigit()
            and t[8:10].isdigit()) else None
    except ValueError:
        return None


def _text(value):
    return value if isinstance(value, str) else None


def record_row(line):
    """A record or error line of the JSONL stream as a row of RECORD_SCHEMA, the way
    src/writer/parquet.rs lays it out."""
    if "error" in line:
        return ((line["doc_id"],) + (None,) * 20
                + (line["error"]["kind"], line["error"]["message"]) + (None,) * 9)
    q, cue, sp = line["quote"], line.get("cue"), line["speaker"]
    meta = line.get("meta") or {}
    mention = sp.get("mention")
    claim = line.get("claim")
    return (
        line["doc_id"], line["quote_id"], q["text"], q["kind"], _spans(q["spans"]),
        cue["text"] if cue else None,
        int(cue["span"][0]) if cue else None, int(cue["span"][1]) if cue else None,
        mention["text"] if mention else None,
        int(mention["span"][0]) if mention else None,
        int(mention["span"][1]) if mention else None,
        sp.get("name"), sp.get("kind"), sp.get("role"), sp.get("entity"),
        float(sp["confidence"]) if sp.get("confidence") is not None else None,
        [(s["target"], s["label"], float(s["score"]), s.get("basis", "model"))
         for s in line.get("stance") or []],
        claim["checkworthy"] if claim else None,
        float(claim["score"]) if claim else None,
        json.dumps(line.get("meta", {}), ensure_ascii=False, separators=(",", ":")),
        json.dumps(line.get("provenance", {}), ensure_ascii=False, separators=(",", ":")),
        None, None,
        sp.get("key"), sp.get("gender"),
        json.dumps(sp["gender_evidence"], ensure_ascii=False, separators=(",", ":"))
        if sp.get("gender_evidence") else None,
        int(q["spans"][0][0]) if q["spans"] else None,
        int(q["spans"][-1][1]) if q["spans"] else None,
        _date(meta.get("date")),
        _text(meta.get("source")), _text(meta.get("url")), _text(meta.get("title")),
    )


def inject_fault(index):
    ctx = TaskContext.get()
    return (os.environ.get(FAULT_ENV) == "first-attempt" and index == 0
            and ctx is not None and ctx.attemptNumber() == 0)


def make_partition_runner(bundle, extract, files):
    """The function each partition runs: its documents through one `newsquotes extract -`."""

    def run(index, rows):
        started = time.time()
        binary = find_binary(bundle)
        threads = task_threads()
        workdir = tempfile.mkdtemp(prefix=f"newsquotes-part{index}-")
        try:
            # The partition's input goes to a local file first: the child reads it as stdin
            # while this process reads the child's stdout, with no thread juggling lines.
            fed = []  # (seq, source, content_sha256) in input order
            input_path = os.path.join(workdir, "input.jsonl")
            with open(input_path, "w", encoding="utf-8") as f:
                for seq, (source, line) in rows:
                    fed.append((seq, source, hashlib.sha256(line.encode()).hexdigest()))
                    f.write(line)
                    f.write("\n")
            cmd = extract_command(binary, extract, workdir, files, threads)
            stderr_path = os.path.join(workdir, "stderr.txt")
            with open(input_path, "rb") as stdin, open(stderr_path, "wb") as stderr:
                child = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=stderr)
                first_output = None
                # Lines of documents whose id the binary had to make up (a broken line gets
                # `stdin:N`) are renamed after the job's own numbering below.
                renames = {}
                for raw in child.stdout:
                    if first_output is None:
                        first_output = time.time()
                    line = json.loads(raw)
                    doc_id = line["doc_id"]
                    if "error" in line and doc_id.startswith("stdin:"):
                        n = int(doc_id.split(":", 1)[1])
                        seq, source, _ = fed[n - 1]
                        line["doc_id"] = renames.setdefault(doc_id, f"{source}#{seq}")
                    yield ("r", record_row(line))
                    if inject_fault(index):
                        child.kill()
                        child.wait()
                        raise RuntimeError(f"{FAULT_ENV}: injected failure in partition {index}")
                _, status, usage = os.wait4(child.pid, 0)
                child.returncode = os.waitstatus_to_exitcode(status)
            if child.returncode != 0:
                with open(stderr_path, errors="replace") as f:
                    tail = f.read()[-2000:]
                raise RuntimeError(f"newsquotes extract failed (status {child.returncode}) "
                                   f"in partition {index}: {tail}")
            with open(os.path.join(workdir, "run.manifest.json")) as f:
                manifest = json.load(f)
            key = run_key(manifest)
            models = json.dumps({k: v.get("id") for k, v in manifest["models"].items()},
                                sort_keys=True)
            with open(os.path.join(workdir, "run.docs")) as f:
                entries = [json.loads(l) for l in f if l.strip()]
            if len(entries) != len(fed):
                raise RuntimeError(f"partition {index}: {len(fed)} documents in, "
                                   f"{len(entries)} accounted for")
            for (seq, source, content), e in zip(fed, entries):
                doc_id = e["doc_id"]
                if e.get("error") and doc_id.startswith("stdin:"):
                    doc_id = f"{source}#{seq}"
                yield ("d", (seq, source, doc_id, content, e.get("sha256"), e.get("words"),
                             int(e["records"]), e.get("error"), False, models, key, index))
            ctx = TaskContext.get()
            finished = time.time()
            yield ("m", json.dumps({
                "partition": index,
                "attempt": ctx.attemptNumber() if ctx else 0,
                "host": os.uname().nodename,
                "documents": len(fed),
                "records": sum(int(e["records"]) for e in entries),
                "threads": threads,
                "seconds": round(finished - started, 3),
                "seconds_to_first_output": (round(first_output - started, 3)
                                            if first_output else None),
                "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
                "bundle_sha256": bundle_hash(binary),
                "run_key": key,
                "manifest": manifest,
            }))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    return run


def make_probe(bundle, extract, files):
    """Runs the binary on no documents: the current run key, models and start-up cost."""

    def probe(_):
        binary = find_binary(bundle)
        workdir = tempfile.mkdtemp(prefix="newsquotes-probe-")
        try:
            cmd = extract_command(binary, extract, workdir, files, 1)
            t0 = time.time()
            done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True)
            seconds = time.time() - t0
            if done.returncode != 0:
                raise RuntimeError("newsquotes extract failed: "
                                   + done.stderr.decode(errors="replace")[-2000:])
            with open(os.path.join(workdir, "run.manifest.json")) as f:
                manifest = json.load(f)
            yield json.dumps({"manifest": manifest, "run_key": run_key(manifest),
                              "startup_seconds": round(seconds, 3),
                              "bundle_sha256": bundle_hash(binary)})
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    return probe


# ---------------------------------------------------------------- the driver side

def to_jsonl_line(obj, id_column, text_column):
    """A document as the JSONL line `newsquotes extract -` reads: `id`, `text`, then the other
    fields (which become `meta`)."""
    if id_column == "id" and text_column == "text":
        out = obj
    else:
        out = {"id": obj.pop(id_column, None), "text": obj.pop(text_column, None)}
        for k, v in obj.items():
            # A field that would be read as the id or text keeps its value under another name.
            out[f"source_{k}" if k in ("id", "text") else k] = v
        if out["id"] is None:
            del out["id"]
        if out["text"] is None:
            del out["text"]
    return json.dumps(out, ensure_ascii=False, default=str)


def read_documents(spark, args):
    """(source, line) pairs of every input document, in a deterministic order."""
    fmt = args.input_format
    if fmt == "auto":
        fmt = "parquet" if all(p.rstrip("/").endswith(".parquet") for p in args.inputs) else "jsonl"
    idc, textc = args.id_column, args.text_column
    if fmt == "parquet":
        df = spark.read.parquet(*args.inputs).withColumn("__source", F.input_file_name())

        def line(row):
            d = row.asDict(recursive=True)
            source = d.pop("__source")
            return source, to_jsonl_line(d, idc, textc)

        return df.rdd.map(line)
    df = spark.read.text(args.inputs).withColumn("__source", F.input_file_name())
    plain = idc == "id" and textc == "text"

    def line(row):
        text = row.value
        if plain:
            return row["__source"], text
        try:
            obj = json.loads(text)
        except ValueError:
            return row["__source"], text  # the binary reports it as invalid_json
        if not isinstance(obj, dict):
            return row["__source"], text
        return row["__source"], to_jsonl_line(obj, idc, textc)

    # Blank lines are no documents (as for `newsquotes extract`).
    return df.where(F.trim(F.col("value")) != "").rdd.map(line)


def write_text(spark, path, text):
    """Writes a small file through Hadoop's file system (local, HDFS, S3), temporary name first."""
    jvm = spark._jvm
    conf = spark._jsc.hadoopConfiguration()
    target = jvm.org.apache.hadoop.fs.Path(path)
    fs = target.getFileSystem(conf)
    tmp = jvm.org.apache.hadoop.fs.Path(path + ".partial")
    stream = fs.create(tmp, True)
    stream.write(bytearray(text.encode("utf-8")))
    stream.close()
    if fs.exists(target):
        fs.delete(target, False)
    if not fs.rename(tmp, target):
        raise RuntimeError(f"cannot rename {tmp} to {target}")


def path_exists(spark, path):
    jvm = spark._jvm
    target = jvm.org.apache.hadoop.fs.Path(path)
    return target.getFileSystem(spark._jsc.hadoopConfiguration()).exists(target)


def main(argv):
    args = parse_args(argv)
    started = time.time()
    started_text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started))
    spark = SparkSession.builder.appName("newsquotes").getOrCreate()
    sc = spark.sparkContext
    if path_exists(spark, args.output):
        sys.exit(f"newsquotes-spark: {args.output} exists; choose a new OUTPUT_DIR")
    files = {}
    for name, value in args.extract:
        if name in SHIPPED_FILE_OPTIONS:
            with open(value, encoding="utf-8") as f:
                files[name] = f.read()
    extract = args.extract

    # The models and settings this run uses, and what starting the binary costs.
    probe = json.loads(sc.parallelize([0], 1).mapPartitions(
        make_probe(args.bundle, extract, files)).collect()[0])
    current_key = probe["run_key"]

    docs = read_documents(spark, args).zipWithIndex().map(lambda x: (x[1], x[0]))
    docs = docs.persist(StorageLevel.MEMORY_AND_DISK)
    total = docs.count()

    reused_docs = None
    reused_records = None
    if args.previous:
        prev_docs = spark.read.parquet(args.previous.rstrip("/") + "/documents")
        prev_records = spark.read.parquet(args.previous.rstrip("/") + "/records")
        # A previous document lends its records (or its error row) when its id is unique in
        # the previous output (so its rows are exactly those with its id), its content is the
        # same, and the models and settings that made them are the current ones. A line that
        # is not JSON has no id to match and is always run again.
        unique = prev_docs.groupBy("doc_id").count().where("count = 1").select("doc_id")
        lenders = (prev_docs.join(unique, "doc_id")
                   .where(F.col("run_key") == current_key)
                   .select("doc_id", "content_sha256", "sha256", "words", "records", "error",
                           "models"))
        current = spark.createDataFrame(
            docs.map(lambda x: (x[0], x[1][0], x[1][1],
                                hashlib.sha256(x[1][1].encode()).hexdigest())),
            "seq long, source string, line string, content_sha256 string")
        # The id is read from the line by the binary; here from the same JSON.
        ids = F.get_json_object(F.col("line"), "$.id")
        matched = (current.withColumn("doc_id", ids)
                   .join(lenders, ["doc_id", "content_sha256"], "inner"))
        reused_docs = matched.select(
            "seq", "source", "doc_id", "content_sha256", "sha256", "words",
            "records", "error", F.lit(True).alias("reused"),
            "models", F.lit(current_key).alias("run_key"),
            F.lit(None).cast("int").alias("partition"))
        reused_docs = reused_docs.persist(StorageLevel.MEMORY_AND_DISK)
        reused_seqs = set(r.seq for r in reused_docs.select("seq").collect())
        reused_records = (prev_records.join(reused_docs.select("doc_id"), "doc_id")
                          .select(*[f.name for f in RECORD_SCHEMA.fields]))
        bc = sc.broadcast(reused_seqs)
        todo = docs.filter(lambda x: x[0] not in bc.value)
    else:
        todo = docs
    todo_count = todo.count() if args.previous else total

    parts = args.partitions or max(sc.defaultParallelism,
                                   -(-todo_count // max(1, args.docs_per_partition)))
    parts = max(1, min(parts, todo_count or 1))
    # Contiguous ranges of input positions, sorted within each partition: the same partition
    # holds the same documents in the same order on every attempt.
    order = sorted(todo.keys().collect()) if args.previous else None
    if order is not None:
        rank = {seq: i for i, seq in enumerate(order)}
        bc_rank = sc.broadcast(rank)
        n = len(order)
        part_of = lambda seq: min(parts - 1, bc_rank.value[seq] * parts // max(1, n))
    else:
        n = total
        part_of = lambda seq: min(parts - 1, seq * parts // max(1, n))
    arranged = todo.repartitionAndSortWithinPartitions(parts, part_of)
    out = arranged.mapPartitionsWithIndex(make_partition_runner(args.bundle, extract, files))
    out = out.persist(StorageLevel.MEMORY_AND_DISK)

    records = spark.createDataFrame(out.filter(lambda x: x[0] == "r").map(lambda x: x[1]),
                                    RECORD_SCHEMA)
    documents = spark.createDataFrame(out.filter(lambda x: x[0] == "d").map(lambda x: x[1]),
                                      DOCUMENT_SCHEMA)
    if reused_records is not None:
        records = records.unionByName(reused_records)
        documents = documents.unionByName(reused_docs.select(
            *[F.col(f.name).cast(f.dataType) for f in DOCUMENT_SCHEMA.fields]))
    base = args.output.rstrip("/")
    records.write.parquet(base + "/records")
    documents.orderBy("seq").write.parquet(base + "/documents")
    partitions = sorted((json.loads(m) for m in out.filter(lambda x: x[0] == "m")
                         .map(lambda x: x[1]).collect()), key=lambda m: m["partition"])

    # Every input document exactly once, or the job fails without a manifest.
    counted = spark.read.parquet(base + "/documents")
    ok = F.col("error").isNull()
    stats = counted.agg(
        F.count("*").alias("n"), F.countDistinct("seq").alias("distinct"),
        F.sum("records").alias("records"), F.sum("words").alias("words"),
        F.sum(F.col("reused").cast("long")).alias("reused"),
        F.sum((ok & (F.col("records") > 0)).cast("long")).alias("with_records"),
        F.sum((ok & (F.col("records") == 0)).cast("long")).alias("without_records"),
        F.collect_list("error").alias("errors")).collect()[0]
    if stats["n"] != total or stats["distinct"] != total:
        sys.exit(f"newsquotes-spark: {total} documents in, {stats['n']} rows "
                 f"({stats['distinct']} distinct) in the documents table")
    errors = {}
    for kind in stats["errors"]:  # collect_list skips nulls: one entry per failed document
        errors[kind] = errors.get(kind, 0) + 1
    with_records = int(stats["with_records"] or 0)
    without = int(stats["without_records"] or 0)

    pm = probe["manifest"]
    config = dict(pm.get("config", {}))
    config["inputs"] = args.inputs
    config["format"] = "parquet"
    executors = sc._jsc.sc().getExecutorMemoryStatus().size()
    finished = time.time()
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "pipeline": pm.get("pipeline"),
        "git_commit": pm.get("git_commit"),
        "command_line": [sys.argv[0]] + list(argv),
        "config": config,
        "models": pm.get("models"),
        "inputs": [{"path": p} for p in args.inputs],
        "outputs": [{"path": base + "/records", "format": "parquet",
                     "records": int(stats["records"] or 0)},
                    {"path": base + "/documents", "format": "parquet",
                     "documents": int(stats["n"])}],
        "document_index": base + "/documents",
        "counts": {"documents": int(stats["n"]), "with_records": with_records,
                   "without_records": without, "records": int(stats["records"] or 0),
                   "errors": dict(sorted(errors.items())), "words": int(stats["words"] or 0),
                   "reused": int(stats["reused"] or 0)},
        "threads": max((p["threads"] for p in partitions), default=1),
        "started": started_text,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(finished)),
        "resumed": [],
        "previous_output": args.previous,
        "spark": {
            "master": sc.master,
            "application_id": sc.applicationId,
            "spark_version": sc.version,
            "default_parallelism": sc.defaultParallelism,
            "partitions": len(partitions),
            "executors": executors,
            "task_cpus": int(sc.getConf().get("spark.task.cpus", "1")),
            "seconds": round(finished - started, 3),
            "startup_seconds": probe["startup_seconds"],
            "recomputed": int(stats["n"]) - int(stats["reused"] or 0),
            "reused": int(stats["reused"] or 0),
            "run_key": current_key,
        },
        "bundle": {"sha256": probe["bundle_sha256"], "path": args.bundle},
        "partitions": [{k: v for k, v in p.items() if k != "manifest"} for p in partitions],
    }
    write_text(spark, base + "/manifest.json", json.dumps(manifest, indent=2) + "\n")
    c = manifest["counts"]
    print(f"newsquotes-spark: {c['documents']} documents ({c['with_records']} with records, "
          f"{c['without_records']} without, {sum(errors.values())} errors; {c['reused']} reused), "
          f"{c['records']} records, {len(partitions)} partitions, "
          f"{finished - started:.1f} s -> {base}", file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
