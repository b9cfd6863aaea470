using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Win32.SafeHandles;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// libpod's db.sql (Podman 4.8 and later with database_backend "sqlite", the default from 5.0),
/// tables as libpod/sqlite_state_internal.go creates them (schema version 1): DBConfig,
/// ContainerConfig (ID, Name, PodID, JSON), ContainerState (ID, State, ExitCode, JSON),
/// ContainerDependency, ContainerVolume, ContainerExecSession, ContainerExitCode, PodConfig,
/// PodState, VolumeConfig, VolumeState.
/// <para>
/// SQLite opens files by path, so the path it is given is the descriptor cfir already opened
/// beneath the image root (<c>/proc/self/fd/N</c>: the inode resolved with RESOLVE_IN_ROOT, a
/// regular file), as a URI with <c>mode=ro&amp;immutable=1</c>: read-only, no lock taken, no
/// journal or WAL looked for or created (a hot <c>-journal</c> beside it is captured as a file,
/// not rolled back). No pooling: a pooled connection would outlive the descriptor number.
/// Every JSON column is length-checked in SQL before it is read.
/// </para>
/// </summary>
internal static class SqliteLibpodReader
{
    public static LibpodState Read(SafeFileHandle file, string imagePath, string shown)
    {
        var state = new LibpodState { Backend = "sqlite", Path = imagePath };
        string fdPath = "/proc/self/fd/" + file.DangerousGetHandle().ToInt32().ToString(CultureInfo.InvariantCulture);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = $"file:{fdPath}?mode=ro&immutable=1",
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        };
        try
        {
            using var connection = new SqliteConnection(builder.ToString());
            connection.Open();
            Query(connection, state, "DBConfig", "SELECT SchemaVersion, OS, StaticDir, TmpDir, GraphRoot, RunRoot, GraphDriver, VolumeDir FROM DBConfig", r =>
            {
                state.Facts["schemaVersion"] = Text(r, 0) ?? "";
                string[] keys = ["os", LibpodState.StaticDir, LibpodState.TmpDir, LibpodState.GraphRoot, LibpodState.RunRoot, LibpodState.GraphDriver, LibpodState.VolumePath];
                for (int i = 0; i < keys.Length; i++)
                {
                    if (Text(r, i + 1) is { } v)
                    {
                        state.RuntimeConfig[keys[i]] = v;
                    }
                }
            });
            ReadContainers(connection, state);
            ReadPods(connection, state);
            ReadVolumes(connection, state);
        }
        catch (SqliteException ex)
        {
            state.Problems.Add($"{shown}: {ex.Message}");
        }
        return state;
    }

    private static void ReadContainers(SqliteConnection connection, LibpodState state)
    {
        var byId = new Dictionary<string, LibpodContainerRecord>(StringComparer.Ordinal);
        LibpodContainerRecord? Record(string? id, string table)
        {
            if (!PodmanIds.IsId(id))
            {
                state.Problems.Add($"{table}: ID {PodmanIds.Show(id)} is not a container id: not used");
                return null;
            }
            if (!byId.TryGetValue(id!, out var r))
            {
                if (byId.Count >= BoltLibpodReader.MaxRecords)
                {
                    return null;
                }
                r = byId[id!] = new LibpodContainerRecord { Id = id!, Source = $"db.sql ContainerConfig/ContainerState ID {id}" };
            }
            return r;
        }

        Query(connection, state, "ContainerConfig", $"SELECT ID, Name, PodID, {Json("JSON")} FROM ContainerConfig", r =>
        {
            if (Record(Text(r, 0), "ContainerConfig") is not { } c)
            {
                return;
            }
            c.Name = Text(r, 1);
            c.PodId = Text(r, 2);
            c.Config = Bytes(r, 3, state, $"ContainerConfig {c.Id} JSON");
        });
        Query(connection, state, "ContainerState", $"SELECT ID, State, ExitCode, {Json("JSON")} FROM ContainerState", r =>
        {
            if (Record(Text(r, 0), "ContainerState") is not { } c)
            {
                return;
            }
            c.Values["State"] = Text(r, 1) ?? "";
            if (Text(r, 2) is { } exit)
            {
                c.Values["ExitCode"] = exit;
            }
            c.State = Bytes(r, 3, state, $"ContainerState {c.Id} JSON");
        });
        Query(connection, state, "ContainerDependency", "SELECT ID, DependencyID FROM ContainerDependency", r =>
        {
            if (byId.TryGetValue(Text(r, 0) ?? "", out var c) && Text(r, 1) is { } dep)
            {
                c.Dependencies.Add(dep);
            }
        });
        Query(connection, state, "ContainerVolume", "SELECT ContainerID, VolumeName FROM ContainerVolume", r =>
        {
            if (byId.TryGetValue(Text(r, 0) ?? "", out var c) && Text(r, 1) is { } vol)
            {
                c.VolumeNames.Add(vol);
            }
        });
        Query(connection, state, "ContainerExecSession", "SELECT ID, ContainerID FROM ContainerExecSession", r =>
        {
            if (byId.TryGetValue(Text(r, 1) ?? "", out var c) && Text(r, 0) is { } session)
            {
                c.ExecSessions.Add(session);
            }
        });
        Query(connection, state, "ContainerExitCode", "SELECT ID, Timestamp, ExitCode FROM ContainerExitCode", r =>
        {
            if (byId.TryGetValue(Text(r, 0) ?? "", out var c))
            {
                c.Values["exitCodeTime"] = Text(r, 1) ?? "";
                c.Values["exitCode"] = Text(r, 2) ?? "";
            }
        });
        foreach (var c in byId.Values.Where(c => c.Config is null))
        {
            state.Problems.Add($"container {c.Id} has a ContainerState row but no readable ContainerConfig");
        }
        state.Containers.AddRange(byId.Values.OrderBy(r => r.Id, StringComparer.Ordinal));
    }

    private static void ReadPods(SqliteConnection connection, LibpodState state)
    {
        var byId = new Dictionary<string, LibpodPodRecord>(StringComparer.Ordinal);
        Query(connection, state, "PodConfig", $"SELECT ID, Name, {Json("JSON")} FROM PodConfig", r =>
        {
            string? id = Text(r, 0);
            if (!PodmanIds.IsId(id) || byId.Count >= BoltLibpodReader.MaxRecords)
            {
                state.Problems.Add($"PodConfig: ID {PodmanIds.Show(id)} is not a pod id: not used");
                return;
            }
            byId[id!] = new LibpodPodRecord { Id = id!, Name = Text(r, 1), Config = Bytes(r, 2, state, $"PodConfig {id} JSON") };
        });
        Query(connection, state, "PodState", $"SELECT ID, {Json("JSON")} FROM PodState", r =>
        {
            if (byId.TryGetValue(Text(r, 0) ?? "", out var p))
            {
                p.State = Bytes(r, 1, state, $"PodState {p.Id} JSON");
            }
        });
        Query(connection, state, "ContainerConfig", "SELECT ID, PodID FROM ContainerConfig WHERE PodID IS NOT NULL", r =>
        {
            if (byId.TryGetValue(Text(r, 1) ?? "", out var p) && Text(r, 0) is { } member)
            {
                p.Containers.Add(member);
            }
        });
        state.Pods.AddRange(byId.Values.OrderBy(p => p.Id, StringComparer.Ordinal));
    }

    private static void ReadVolumes(SqliteConnection connection, LibpodState state)
    {
        var byName = new Dictionary<string, LibpodVolumeRecord>(StringComparer.Ordinal);
        Query(connection, state, "VolumeConfig", $"SELECT Name, {Json("JSON")} FROM VolumeConfig", r =>
        {
            if (Text(r, 0) is { } name && byName.Count < BoltLibpodReader.MaxRecords)
            {
                byName[name] = new LibpodVolumeRecord { Name = name, Config = Bytes(r, 1, state, $"VolumeConfig {PodmanIds.Show(name)} JSON") };
            }
        });
        Query(connection, state, "VolumeState", $"SELECT Name, {Json("JSON")} FROM VolumeState", r =>
        {
            if (byName.TryGetValue(Text(r, 0) ?? "", out var v))
            {
                v.State = Bytes(r, 1, state, $"VolumeState {PodmanIds.Show(v.Name)} JSON");
            }
        });
        Query(connection, state, "ContainerVolume", "SELECT ContainerID, VolumeName FROM ContainerVolume", r =>
        {
            if (byName.TryGetValue(Text(r, 1) ?? "", out var v) && Text(r, 0) is { } user)
            {
                v.Containers.Add(user);
            }
        });
        state.Volumes.AddRange(byName.Values.OrderBy(v => v.Name, StringComparer.Ordinal));
    }

    /// <summary>A JSON column with its length first, so an oversized value is never read: "length(CAST(c AS BLOB)), c".</summary>
    private static string Json(string column) => $"length(CAST({column} AS BLOB)), CASE WHEN length(CAST({column} AS BLOB)) <= {ImageFiles.MaxDocumentBytes} THEN CAST({column} AS BLOB) END";

    /// <summary>One table's rows; a failure (a table missing, a malformed page) is a problem of that table only.</summary>
    private static void Query(SqliteConnection connection, LibpodState state, string table, string sql, Action<SqliteDataReader> row)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            int rows = 0;
            while (reader.Read())
            {
                if (++rows > BoltLibpodReader.MaxRecords)
                {
                    state.Problems.Add($"{table}: more than {BoltLibpodReader.MaxRecords} rows; the rest were not read");
                    break;
                }
                row(reader);
            }
        }
        catch (SqliteException ex)
        {
            state.Problems.Add($"{table}: {ex.Message}");
        }
    }

    private static string? Text(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture);

    /// <summary>The JSON column at <paramref name="i"/> (its length at i): null with a problem when it was too large or absent.</summary>
    private static byte[]? Bytes(SqliteDataReader r, int lengthColumn, LibpodState state, string what)
    {
        if (r.IsDBNull(lengthColumn))
        {
            state.Problems.Add($"{what} is NULL");
            return null;
        }
        long length = r.GetInt64(lengthColumn);
        if (r.IsDBNull(lengthColumn + 1))
        {
            state.Problems.Add($"{what} is {length} bytes, more than the {ImageFiles.MaxDocumentBytes} read");
            return null;
        }
        return (byte[])r.GetValue(lengthColumn + 1);
    }
}
