namespace ContainerForensics.Bolt.Tests.Fixtures;

/// <summary>Everything a reader gives back, in the shape of <see cref="BucketSpec.Flatten"/>.</summary>
internal static class Dump
{
    public static List<string> Of(BoltBucket bucket)
    {
        var lines = new List<string>();
        Add(bucket, "", lines);
        return lines;
    }

    private static void Add(BoltBucket bucket, string path, List<string> lines)
    {
        foreach (var e in bucket.Entries())
        {
            string name = Convert.ToHexStringLower(e.Key);
            if (e.Bucket is { } b)
            {
                lines.Add($"{path}|{name}/");
                Add(b, $"{path}/{name}", lines);
            }
            else
            {
                lines.Add($"{path}|{name}={Convert.ToHexStringLower(e.Value!)}");
            }
        }
    }
}
