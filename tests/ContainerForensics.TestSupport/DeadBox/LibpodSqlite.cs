using System.Text;
using System.Text.Json;
using ContainerForensics.Bolt;
using Microsoft.Data.Sqlite;

namespace ContainerForensics.TestSupport.DeadBox;

/// <summary>
/// A libpod db.sql for dead-box tests. Podman here is 4.3, which writes only bolt_state.db; the
/// SQLite backend came with 4.8. So the database is made with Podman's own schema: the CREATE
/// TABLE statements below are libpod/sqlite_state_internal.go's createSQLiteTables as of v4.8.0
/// (identical in v5.7.0, schema version 1), and rows are inserted as libpod inserts them
/// (sqlite_state.go: ID, Name, PodID, JSON into ContainerConfig; ID, State, ExitCode, JSON into
/// ContainerState; ...), with the JSON documents a real Podman wrote (<see cref="FromBolt"/>).
/// </summary>
public static class LibpodSqlite
{
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS DBConfig(
                ID            INTEGER PRIMARY KEY NOT NULL,
                SchemaVersion INTEGER NOT NULL,
                OS            TEXT    NOT NULL,
                StaticDir     TEXT    NOT NULL,
                TmpDir        TEXT    NOT NULL,
                GraphRoot     TEXT    NOT NULL,
                RunRoot       TEXT    NOT NULL,
                GraphDriver   TEXT    NOT NULL,
                VolumeDir     TEXT    NOT NULL,
                CHECK (ID IN (1))
        );
        CREATE TABLE IF NOT EXISTS IDNamespace(
                ID TEXT PRIMARY KEY NOT NULL
        );
        CREATE TABLE IF NOT EXISTS ContainerConfig(
                ID              TEXT    PRIMARY KEY NOT NULL,
                Name            TEXT    UNIQUE NOT NULL,
                PodID           TEXT,
                JSON            TEXT    NOT NULL,
                FOREIGN KEY (ID)    REFERENCES IDNamespace(ID)    DEFERRABLE INITIALLY DEFERRED,
                FOREIGN KEY (ID)    REFERENCES ContainerState(ID) DEFERRABLE INITIALLY DEFERRED,
                FOREIGN KEY (PodID) REFERENCES PodConfig(ID)
        );
        CREATE TABLE IF NOT EXISTS ContainerState(
                ID       TEXT    PRIMARY KEY NOT NULL,
                State    INTEGER NOT NULL,
                ExitCode INTEGER,
                JSON     TEXT    NOT NULL,
                FOREIGN KEY (ID) REFERENCES ContainerConfig(ID) DEFERRABLE INITIALLY DEFERRED,
                CHECK (ExitCode BETWEEN -1 AND 255)
        );
        CREATE TABLE IF NOT EXISTS ContainerExecSession(
                ID          TEXT PRIMARY KEY NOT NULL,
                ContainerID TEXT NOT NULL,
                FOREIGN KEY (ContainerID) REFERENCES ContainerConfig(ID)
        );
        CREATE TABLE IF NOT EXISTS ContainerDependency(
                ID           TEXT NOT NULL,
                DependencyID TEXT NOT NULL,
                PRIMARY KEY (ID, DependencyID),
                FOREIGN KEY (ID)           REFERENCES ContainerConfig(ID) DEFERRABLE INITIALLY DEFERRED,
                FOREIGN KEY (DependencyID) REFERENCES ContainerConfig(ID),
                CHECK (ID <> DependencyID)
        );
        CREATE TABLE IF NOT EXISTS ContainerVolume(
                ContainerID TEXT NOT NULL,
                VolumeName  TEXT NOT NULL,
                PRIMARY KEY (ContainerID, VolumeName),
                FOREIGN KEY (ContainerID) REFERENCES ContainerConfig(ID) DEFERRABLE INITIALLY DEFERRED,
                FOREIGN KEY (VolumeName)  REFERENCES VolumeConfig(Name)
        );
        CREATE TABLE IF NOT EXISTS ContainerExitCode(
                ID        TEXT    PRIMARY KEY NOT NULL,
                Timestamp INTEGER NOT NULL,
                ExitCode  INTEGER NOT NULL,
                CHECK (ExitCode BETWEEN -1 AND 255)
        );
        CREATE TABLE IF NOT EXISTS PodConfig(
                ID              TEXT    PRIMARY KEY NOT NULL,
                Name            TEXT    UNIQUE NOT NULL,
                JSON            TEXT    NOT NULL,
                FOREIGN KEY (ID) REFERENCES IDNamespace(ID) DEFERRABLE INITIALLY DEFERRED,
                FOREIGN KEY (ID) REFERENCES PodState(ID)    DEFERRABLE INITIALLY DEFERRED
        );
        CREATE TABLE IF NOT EXISTS PodState(
                ID               TEXT PRIMARY KEY NOT NULL,
                InfraContainerID TEXT,
                JSON             TEXT NOT NULL,
                FOREIGN KEY (ID)               REFERENCES PodConfig(ID)       DEFERRABLE INITIALLY DEFERRED,
                FOREIGN KEY (InfraContainerID) REFERENCES ContainerConfig(ID) DEFERRABLE INITIALLY DEFERRED
        );
        CREATE TABLE IF NOT EXISTS VolumeConfig(
                Name            TEXT    PRIMARY KEY NOT NULL,
                StorageID       TEXT,
                JSON            TEXT    NOT NULL,
                FOREIGN KEY (Name) REFERENCES VolumeState(Name) DEFERRABLE INITIALLY DEFERRED
        );
        CREATE TABLE IF NOT EXISTS VolumeState(
                Name TEXT PRIMARY KEY NOT NULL,
                JSON TEXT NOT NULL,
                FOREIGN KEY (Name) REFERENCES VolumeConfig(Name) DEFERRABLE INITIALLY DEFERRED
        );
        """;

    /// <summary>A container's rows: its ContainerConfig and ContainerState JSON as libpod wrote them.</summary>
    public sealed record Container(string Id, string Name, string? PodId, string ConfigJson, string StateJson);

    public sealed record Pod(string Id, string Name, string ConfigJson, string StateJson);

    public sealed record Volume(string Name, string ConfigJson, string StateJson);

    /// <summary>The DBConfig row: the paths the database was made with.</summary>
    public sealed record Paths(string StaticDir, string TmpDir, string GraphRoot, string RunRoot, string GraphDriver, string VolumeDir);

    /// <summary>Makes <paramref name="path"/> with the schema and the rows, in one transaction as libpod does.</summary>
    public static void Create(string path, Paths paths, IEnumerable<Container> containers, IEnumerable<Pod> pods, IEnumerable<Volume> volumes)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var tx = connection.BeginTransaction();
        Exec(connection, tx, Schema);
        Exec(connection, tx, "INSERT INTO DBconfig VALUES (1, 1, 'linux', $1, $2, $3, $4, $5, $6);",
            paths.StaticDir, paths.TmpDir, paths.GraphRoot, paths.RunRoot, paths.GraphDriver, paths.VolumeDir);
        foreach (var p in pods)
        {
            Exec(connection, tx, "INSERT INTO IDNamespace VALUES ($1);", p.Id);
            Exec(connection, tx, "INSERT INTO PodConfig VALUES ($1, $2, $3);", p.Id, p.Name, p.ConfigJson);
            Exec(connection, tx, "INSERT INTO PodState VALUES ($1, $2, $3);", p.Id, null, p.StateJson);
        }
        foreach (var v in volumes)
        {
            Exec(connection, tx, "INSERT INTO VolumeConfig VALUES ($1, $2, $3);", v.Name, null, v.ConfigJson);
            Exec(connection, tx, "INSERT INTO VolumeState VALUES ($1, $2);", v.Name, v.StateJson);
        }
        foreach (var c in containers)
        {
            using var state = JsonDocument.Parse(c.StateJson);
            long number = state.RootElement.TryGetProperty("state", out var s) && s.TryGetInt64(out long n) ? n : 0;
            long exit = state.RootElement.TryGetProperty("exitCode", out var e) && e.TryGetInt64(out long x) ? x : 0;
            Exec(connection, tx, "INSERT INTO IDNamespace VALUES ($1);", c.Id);
            Exec(connection, tx, "INSERT INTO ContainerConfig VALUES ($1, $2, $3, $4);", c.Id, c.Name, c.PodId, c.ConfigJson);
            Exec(connection, tx, "INSERT INTO ContainerState VALUES ($1, $2, $3, $4);", c.Id, number, exit, c.StateJson);
            using var config = JsonDocument.Parse(c.ConfigJson);
            if (config.RootElement.TryGetProperty("namedVolumes", out var vols) && vols.ValueKind == JsonValueKind.Array)
            {
                foreach (var vol in vols.EnumerateArray())
                {
                    Exec(connection, tx, "INSERT INTO ContainerVolume VALUES ($1, $2);", c.Id, vol.GetProperty("volumeName").GetString());
                }
            }
        }
        tx.Commit();
    }

    /// <summary>A db.sql holding what a real Podman's bolt_state.db holds (read with cfir's bolt reader), at <paramref name="sqlitePath"/>.</summary>
    public static void FromBolt(string boltPath, string sqlitePath)
    {
        using var file = File.OpenHandle(boltPath);
        using var db = BoltDatabase.Open(file, boltPath);
        var root = db.Root;
        var config = root.Bucket("runtime-config") ?? throw new InvalidDataException("no runtime-config bucket");
        string Get(string key) => config.GetString(key) ?? "";
        var paths = new Paths(Get("static-dir"), Get("tmp-dir"), Get("graph-root"), Get("run-root"), Get("graph-driver-name"), Get("volume-path"));
        var names = (root.Bucket("all-ctrs")?.Entries() ?? []).ToDictionary(e => Encoding.UTF8.GetString(e.Key), e => Encoding.UTF8.GetString(e.Value ?? []));
        var containers = (root.Bucket("ctr")?.Buckets() ?? []).Select(b =>
        {
            string id = Encoding.UTF8.GetString(b.Path[^1]);
            return new Container(id, names.GetValueOrDefault(id) ?? id, b.GetString("pod-id"), b.GetString("config")!, b.GetString("state")!);
        }).ToList();
        var podNames = (root.Bucket("allPods")?.Entries() ?? []).ToDictionary(e => Encoding.UTF8.GetString(e.Key), e => Encoding.UTF8.GetString(e.Value ?? []));
        var pods = (root.Bucket("pod")?.Buckets() ?? []).Select(b =>
        {
            string id = Encoding.UTF8.GetString(b.Path[^1]);
            return new Pod(id, podNames.GetValueOrDefault(id) ?? id, b.GetString("config")!, b.GetString("state") ?? "{}");
        }).ToList();
        var volumes = (root.Bucket("vol")?.Buckets() ?? []).Select(b =>
            new Volume(Encoding.UTF8.GetString(b.Path[^1]), b.GetString("config")!, b.GetString("state") ?? "{}")).ToList();
        Create(sqlitePath, paths, containers, pods, volumes);
    }

    private static void Exec(SqliteConnection connection, SqliteTransaction tx, string sql, params object?[] values)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        for (int i = 0; i < values.Length; i++)
        {
            command.Parameters.AddWithValue("$" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), values[i] ?? DBNull.Value);
        }
        command.ExecuteNonQuery();
    }
}
