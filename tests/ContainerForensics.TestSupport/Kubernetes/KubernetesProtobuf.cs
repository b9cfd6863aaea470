namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// Just enough of the Kubernetes protobuf encoding to read a request body
/// (https://kubernetes.io/docs/reference/using-api/api-concepts/#protobuf-encoding): the 4-byte
/// magic "k8s\0", then a runtime.Unknown whose field 2 holds the object's own message. kubectl
/// sends its SelfSubjectReview and SelfSubjectRulesReview this way; the stand-in answers in JSON,
/// which those requests also accept.
/// </summary>
internal static class KubernetesProtobuf
{
    public const string ContentType = "application/vnd.kubernetes.protobuf";

    private static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    public static bool IsProtobuf(string? contentType) =>
        contentType is not null && contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase);

    /// <summary>The object's message inside the envelope (runtime.Unknown.raw), or FormatException.</summary>
    public static ReadOnlySpan<byte> Unwrap(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic))
        {
            throw new FormatException("protobuf body without the k8s magic prefix");
        }
        return FindField(body[Magic.Length..], 2, out var raw) ? raw : throw new FormatException("protobuf envelope without raw object");
    }

    /// <summary>The string at a path of field numbers (e.g. spec=2, namespace=1), or null when absent.</summary>
    public static string? ReadString(ReadOnlySpan<byte> message, params ReadOnlySpan<int> path)
    {
        var current = message;
        foreach (int field in path)
        {
            if (!FindField(current, field, out current))
            {
                return null;
            }
        }
        return System.Text.Encoding.UTF8.GetString(current);
    }

    /// <summary>The bytes of the first length-delimited field with this number.</summary>
    private static bool FindField(ReadOnlySpan<byte> message, int number, out ReadOnlySpan<byte> value)
    {
        int i = 0;
        while (i < message.Length)
        {
            ulong key = Varint(message, ref i);
            int wireType = (int)(key & 7);
            int field = (int)(key >> 3);
            switch (wireType)
            {
                case 0:
                    Varint(message, ref i);
                    break;
                case 1:
                    i += 8;
                    break;
                case 5:
                    i += 4;
                    break;
                case 2:
                    int length = checked((int)Varint(message, ref i));
                    if (i + length > message.Length)
                    {
                        throw new FormatException("protobuf field runs past the message");
                    }
                    if (field == number)
                    {
                        value = message.Slice(i, length);
                        return true;
                    }
                    i += length;
                    break;
                default:
                    throw new FormatException($"protobuf wire type {wireType} not supported");
            }
        }
        value = default;
        return false;
    }

    private static ulong Varint(ReadOnlySpan<byte> message, ref int i)
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (i >= message.Length)
            {
                throw new FormatException("protobuf varint cut off");
            }
            byte b = message[i++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        throw new FormatException("protobuf varint too long");
    }
}
