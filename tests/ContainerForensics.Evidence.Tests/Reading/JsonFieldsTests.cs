using System.Text;
using ContainerForensics.Evidence.Reading;

namespace ContainerForensics.Evidence.Tests.Reading;

/// <summary>
/// Records with many fields are looked up through a dictionary of their names, small ones with
/// JsonElement's own lookup: both must read the same, a repeated name included (the last wins).
/// </summary>
public sealed class JsonFieldsTests
{
    private static string Record(int fields, string repeated) =>
        "{" + string.Join(",", Enumerable.Range(0, fields).Select(i => $"\"f{i}\":{i}")) + $",\"name\":\"first\",\"n\":null,\"name\":\"{repeated}\"" + "}";

    [Theory]
    [InlineData(1)]
    [InlineData(JsonFields.IndexedFrom - 3)]
    [InlineData(JsonFields.IndexedFrom)]
    [InlineData(40)]
    public void Small_and_large_objects_read_alike(int fields)
    {
        var problems = new List<string>();
        var read = JsonFields.Read(Encoding.UTF8.GetBytes(Record(fields, "last")), f => new
        {
            Name = f.String("name"),
            First = f.Int64("f0"),
            Last = f.Int64($"f{fields - 1}"),
            Null = f.String("n"),
            Absent = f.String("absent"),
            WrongType = f.String("f0"),
        }, (name, why) => problems.Add(name), why => problems.Add("unreadable: " + why));
        Assert.NotNull(read);
        Assert.Equal("last", read.Name);
        Assert.Equal(0, read.First);
        Assert.Equal(fields - 1, read.Last);
        Assert.Null(read.Null);
        Assert.Null(read.Absent);
        Assert.Null(read.WrongType);
        Assert.Equal(["f0"], problems);
    }

    [Fact]
    public void An_escaped_name_is_found_by_its_text()
    {
        string json = "{" + string.Join(",", Enumerable.Range(0, 10).Select(i => $"\"f{i}\":{i}")) + ",\"p\\u0061th\":\"x\"}";
        var read = JsonFields.Read(Encoding.UTF8.GetBytes(json), f => new { Path = f.String("path") }, (_, _) => { }, _ => { });
        Assert.Equal("x", read!.Path);
    }
}
