using System.Text.Json;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// The fields of one JSON object, each read as the type the format gives it. A field of another
/// type is a problem naming it, and reads as absent: one bad field does not cost the rest of the
/// record. Unknown fields are left alone, because a reader of <c>cfir-evidence/1.x</c> reads every
/// 1.x archive and a later 1.x may add fields. JSON null reads as absent: the writers write null
/// for a value they do not know (an examiner not given, a clock state not known).
/// </summary>
internal readonly struct JsonFields
{
    /// <summary>
    /// From this many properties on, the object's names are put in a dictionary once: a record
    /// type asks for every field it knows (a manifest line: about 40, half of them absent), and
    /// JsonElement.TryGetProperty scans all properties for each, with the name transcoded every time.
    /// </summary>
    internal const int IndexedFrom = 8;

    private readonly JsonElement _object;
    private readonly Dictionary<string, JsonElement>? _index;
    private readonly string _prefix;
    private readonly Action<string, string> _problem;

    /// <param name="problem">Called with the field's dotted name and a sentence saying what is wrong with it.</param>
    /// <param name="prefix">The dotted path of this object inside the record ("source."), for the problem's wording.</param>
    public JsonFields(JsonElement obj, Action<string, string> problem, string prefix = "")
    {
        _object = obj;
        _problem = problem;
        _prefix = prefix;
        _index = obj.ValueKind == JsonValueKind.Object && obj.GetPropertyCount() is var count && count >= IndexedFrom ? Index(obj, count) : null;
    }

    /// <summary>Name to value; of a name given twice, the last, as <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/> gives it.</summary>
    private static Dictionary<string, JsonElement> Index(JsonElement obj, int count)
    {
        var index = new Dictionary<string, JsonElement>(count, StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            index[property.Name] = property.Value;
        }
        return index;
    }

    /// <summary>
    /// Parses one JSON record and builds it from its fields. A record that is not JSON, not an
    /// object, or whose text cannot be decoded is unreadable: reported once, and no record.
    /// </summary>
    /// <param name="problem">A field that cannot be read (dotted name, sentence).</param>
    /// <param name="unreadable">Why the whole record cannot be read.</param>
    public static T? Read<T>(ReadOnlySpan<byte> json, Func<JsonFields, T> build, Action<string, string> problem, Action<string> unreadable)
        where T : class
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                unreadable($"it is {Describe(doc.RootElement)}, not a JSON object");
                return null;
            }
            return build(new JsonFields(doc.RootElement, problem));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            // Invalid UTF-8 inside a string is found only when the string is read (InvalidOperationException).
            unreadable(ex.Message);
            return null;
        }
    }

    public string? String(string name, bool required = false) =>
        Get(name, required, JsonValueKind.String, "a string", out var v) ? v.GetString() : null;

    public long? Int64(string name, bool required = false) =>
        Get(name, required, JsonValueKind.Number, "a whole number", out var v) && Whole(name, v, v.TryGetInt64(out long x)) ? x : null;

    public int? Int32(string name, bool required = false) =>
        Get(name, required, JsonValueKind.Number, "a whole number", out var v) && Whole(name, v, v.TryGetInt32(out int x)) ? x : null;

    public uint? UInt32(string name, bool required = false) =>
        Get(name, required, JsonValueKind.Number, "a whole number", out var v) && Whole(name, v, v.TryGetUInt32(out uint x)) ? x : null;

    public ulong? UInt64(string name, bool required = false) =>
        Get(name, required, JsonValueKind.Number, "a whole number", out var v) && Whole(name, v, v.TryGetUInt64(out ulong x)) ? x : null;

    public double? Double(string name, bool required = false) =>
        Get(name, required, JsonValueKind.Number, "a number", out var v) ? v.GetDouble() : null;

    public bool? Bool(string name, bool required = false)
    {
        if (!Present(name, required, out var v))
        {
            return null;
        }
        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return v.GetBoolean();
        }
        Wrong(name, v, "true or false");
        return null;
    }

    /// <summary>A time in cfir's own form: UTC, nine fractional digits (<see cref="UnixTime.ToIso8601"/>).</summary>
    public UnixTime? Time(string name, bool required = false)
    {
        if (String(name, required) is not { } text)
        {
            return null;
        }
        if (UnixTime.TryParseIso8601(text, out var time))
        {
            return time;
        }
        _problem(_prefix + name, $"'{_prefix}{name}' is not a cfir time (UTC, nine fractional digits): '{text}'");
        return null;
    }

    /// <summary>Octal permission bits written as text ("4755").</summary>
    public uint? Octal(string name)
    {
        if (String(name) is not { } text)
        {
            return null;
        }
        if (TryOctal(text, out uint bits))
        {
            return bits;
        }
        _problem(_prefix + name, $"'{_prefix}{name}' is not octal permission bits: '{text}'");
        return null;
    }

    /// <summary>Permission bits as the manifest writes them: one to seven octal digits.</summary>
    internal static bool TryOctal(string text, out uint bits)
    {
        bits = 0;
        if (text.Length is 0 or > 7)
        {
            return false;
        }
        foreach (char c in text)
        {
            if (c is < '0' or > '7')
            {
                return false;
            }
            bits = (bits * 8) + (uint)(c - '0');
        }
        return true;
    }

    /// <summary>Bytes kept byte-exact: as text under <paramref name="name"/> when they were UTF-8, else base64 under name + "Base64".</summary>
    public byte[]? TextOrBase64(string name, string base64Suffix)
    {
        if (String(name) is { } text)
        {
            return System.Text.Encoding.UTF8.GetBytes(text);
        }
        return Base64(name + base64Suffix);
    }

    public byte[]? Base64(string name)
    {
        if (String(name) is not { } text)
        {
            return null;
        }
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            _problem(_prefix + name, $"'{_prefix}{name}' is not base64");
            return null;
        }
    }

    public JsonFields? Object(string name, bool required = false) =>
        Get(name, required, JsonValueKind.Object, "an object", out var v) ? new JsonFields(v, _problem, $"{_prefix}{name}.") : null;

    /// <summary>An array of objects; an element that is not an object is a problem naming its index, and is left out.</summary>
    public IReadOnlyList<JsonFields>? Objects(string name)
    {
        var problem = _problem; // a lambda in a struct cannot reach its fields
        return Items(name, "an array", "an object", item => item.ValueKind == JsonValueKind.Object, (item, at) => new JsonFields(item, problem, at + "."));
    }

    public IReadOnlyList<string>? Strings(string name) =>
        Items(name, "an array of strings", "a string", item => item.ValueKind == JsonValueKind.String, (item, _) => item.GetString()!);

    /// <summary>Byte ranges written as <c>[[offset, length], ...]</c>.</summary>
    public IReadOnlyList<DataSegment>? Ranges(string name) =>
        Items(name, "an array of [offset, length] pairs", "an [offset, length] pair of whole numbers",
            pair => pair.ValueKind == JsonValueKind.Array && pair.GetArrayLength() == 2 &&
                    pair[0].TryGetInt64(out long offset) && pair[1].TryGetInt64(out long length) && offset >= 0 && length >= 0,
            (pair, _) => new DataSegment(pair[0].GetInt64(), pair[1].GetInt64()));

    /// <summary>
    /// The elements of an array that <paramref name="accept"/> takes, each made by
    /// <paramref name="make"/> (given its dotted name); any other is a problem naming its index, and is left out.
    /// </summary>
    private List<T>? Items<T>(string name, string expected, string itemExpected, Func<JsonElement, bool> accept, Func<JsonElement, string, T> make)
    {
        if (!Get(name, false, JsonValueKind.Array, expected, out var array))
        {
            return null;
        }
        var result = new List<T>();
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            string at = $"{_prefix}{name}[{i++}]";
            if (accept(item))
            {
                result.Add(make(item, at));
            }
            else
            {
                _problem(at, $"'{at}' is {Describe(item)}, not {itemExpected}");
            }
        }
        return result;
    }

    /// <summary>An object of whole numbers by name (the seal's statusCounts); a value that is not one is a problem and left out.</summary>
    public IReadOnlyDictionary<string, long>? Counts(string name, bool required = false)
    {
        if (Object(name, required) is not { } counts)
        {
            return null;
        }
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var property in counts._object.EnumerateObject())
        {
            if (counts.Int64(property.Name) is { } n)
            {
                result[property.Name] = n;
            }
        }
        return result;
    }

    /// <summary>An object of base64 values by name (xattrs), in the order written.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>>? Base64Map(string name)
    {
        if (Object(name) is not { } map)
        {
            return null;
        }
        var result = new List<KeyValuePair<string, byte[]>>();
        foreach (var property in map._object.EnumerateObject())
        {
            if (map.Base64(property.Name) is { } value)
            {
                result.Add(new(property.Name, value));
            }
        }
        return result;
    }

    /// <summary>Every string field whose name is not in <paramref name="known"/>, in the order written (a runtime's details).</summary>
    public IReadOnlyDictionary<string, string> OtherStrings(IReadOnlySet<string> known)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in _object.EnumerateObject())
        {
            if (!known.Contains(property.Name) && property.Value.ValueKind == JsonValueKind.String)
            {
                result[property.Name] = property.Value.GetString()!;
            }
        }
        return result;
    }

    private bool Present(string name, bool required, out JsonElement value)
    {
        if ((_index is null ? _object.TryGetProperty(name, out value) : _index.TryGetValue(name, out value)) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }
        if (required)
        {
            _problem(_prefix + name, $"'{_prefix}{name}' is missing");
        }
        return false;
    }

    private bool Get(string name, bool required, JsonValueKind kind, string expected, out JsonElement value)
    {
        if (!Present(name, required, out value))
        {
            return false;
        }
        if (value.ValueKind == kind)
        {
            return true;
        }
        Wrong(name, value, expected);
        return false;
    }

    private bool Whole(string name, JsonElement value, bool fits)
    {
        if (!fits)
        {
            _problem(_prefix + name, $"'{_prefix}{name}' is {value.GetRawText()}, not a whole number in range");
        }
        return fits;
    }

    private void Wrong(string name, JsonElement value, string expected) =>
        _problem(_prefix + name, $"'{_prefix}{name}' is {Describe(value)}, not {expected}");

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };
}
