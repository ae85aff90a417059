using System.Globalization;
using System.Text;
using Azure.Data.Tables;

namespace Orleans.Chat.Persistence.AzureStorage;

/// <summary>
/// The rows of the message-log table. A conversation (log id) is one partition; in it:
/// <list type="bullet">
/// <item><c>m:</c> + the sequence zero-padded to 19 digits: the entry (so entries sort by sequence, and a page is a RowKey range);</item>
/// <item><c>i:</c> + the idempotency key: points at the sequence of the entry that claimed the key, written in the entry's transaction;</item>
/// <item><c>h</c>: the head, the partition's last sequence, rewritten (ETag-checked) by every transaction that appends.</item>
/// </list>
/// Keys may not hold <c>/ \ # ?</c> or control characters, so those (and <c>%</c>) are escaped as <c>%XX</c>. The
/// roster table (<see cref="AzureTableRosterStore"/>) escapes its keys and chunks its payloads the same way.
/// </summary>
internal static class AzureTableRows
{
    public const string HeadRowKey = "h";
    public const string EntryPrefix = "m:";
    public const string KeyPrefix = "i:";

    /// <summary>The first row key after every <c>m:</c> row (';' follows ':').</summary>
    public const string EntryRangeEnd = "m;";

    public const string Sequence = "Sequence";
    public const string LastSequence = "LastSequence";
    public const string EntryId = "EntryId";
    public const string IdempotencyKey = "IdempotencyKey";
    public const string AuthorId = "AuthorId";
    public const string TimestampTicks = "TimestampTicks";

    /// <summary>The entry's <see cref="LogEntry.HighPriority"/>; rows written before it have none, and read as false.</summary>
    public const string HighPriority = "HighPriority";

    /// <summary>The entry's <see cref="LogEntry.Counted"/>; rows written before it have none, and read as true.</summary>
    public const string Counted = "Counted";

    /// <summary>The payload's first chunk; further chunks are <c>Payload1</c>, <c>Payload2</c>, ...</summary>
    public const string Payload = "Payload";

    /// <summary>A string property holds at most 64 KiB (32 Ki UTF-16 code units); chunks stay below that.</summary>
    public const int PayloadChunkLength = 32_000;

    /// <summary>An entity holds at most 1 MiB (strings count two bytes a character): 15 chunks leave room for the rest.</summary>
    public const int MaxPayloadLength = 15 * PayloadChunkLength;

    /// <summary>Operations an entity-group transaction may hold (Azure's limit).</summary>
    public const int MaxOperationsPerTransaction = 100;

    /// <summary>A transaction's request may carry 4 MiB; keep a margin for the multipart framing.</summary>
    public const long MaxTransactionBytes = 3_800_000;

    public static string PartitionKey(string logId) => EscapeKey(logId);

    public static string EntryRowKey(long sequence) => EntryPrefix + Math.Max(sequence, 0).ToString("D19", CultureInfo.InvariantCulture);

    public static string KeyRowKey(string idempotencyKey) => KeyPrefix + EscapeKey(idempotencyKey);

    /// <summary>Escapes what a PartitionKey or RowKey may not contain; reversible, and the identity on ordinary ids.</summary>
    public static string EscapeKey(string value)
    {
        var clean = true;
        foreach (var c in value)
        {
            if (MustEscape(c))
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            if (MustEscape(c))
            {
                // Every such character is below U+0100, so two hex digits suffice.
                builder.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>The inverse of <see cref="EscapeKey"/>: every <c>%</c> in an escaped key starts an escape.</summary>
    public static string UnescapeKey(string key)
    {
        if (!key.Contains('%', StringComparison.Ordinal))
        {
            return key;
        }

        var builder = new StringBuilder(key.Length);
        for (var i = 0; i < key.Length; i++)
        {
            if (key[i] == '%')
            {
                builder.Append((char)int.Parse(key.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                i += 2;
            }
            else
            {
                builder.Append(key[i]);
            }
        }

        return builder.ToString();
    }

    private static bool MustEscape(char c) => c is '%' or '/' or '\\' or '#' or '?' || char.IsControl(c);

    public static TableEntity HeadEntity(string partitionKey, long lastSequence) =>
        new(partitionKey, HeadRowKey) { [LastSequence] = lastSequence };

    public static TableEntity KeyEntity(string partitionKey, LogEntry entry) =>
        new(partitionKey, KeyRowKey(entry.IdempotencyKey!)) { [Sequence] = entry.Sequence };

    public static TableEntity EntryEntity(string partitionKey, LogEntry entry)
    {
        var entity = new TableEntity(partitionKey, EntryRowKey(entry.Sequence))
        {
            [Sequence] = entry.Sequence,
            [EntryId] = entry.EntryId,
            [AuthorId] = entry.AuthorId,
            [TimestampTicks] = entry.Timestamp.UtcTicks,
            [HighPriority] = entry.HighPriority,
            [Counted] = entry.Counted,
        };
        if (entry.IdempotencyKey is not null)
        {
            entity[IdempotencyKey] = entry.IdempotencyKey;
        }

        SetPayload(entity, entry.Payload);
        return entity;
    }

    /// <summary>Puts the payload in <c>Payload</c>, <c>Payload1</c>, ... (a chunk per <see cref="PayloadChunkLength"/> characters).</summary>
    public static void SetPayload(TableEntity entity, string payload)
    {
        var start = 0;
        var chunk = 0;
        do
        {
            var length = Math.Min(PayloadChunkLength, payload.Length - start);
            if (start + length < payload.Length && char.IsHighSurrogate(payload[start + length - 1]))
            {
                length--; // never split a surrogate pair between two properties
            }

            entity[chunk == 0 ? Payload : Payload + chunk.ToString(CultureInfo.InvariantCulture)] = payload.Substring(start, length);
            start += length;
            chunk++;
        }
        while (start < payload.Length);
    }

    /// <summary>The payload <see cref="SetPayload"/> stored, its chunks joined.</summary>
    public static string GetPayload(TableEntity entity)
    {
        var payload = entity.GetString(Payload) ?? string.Empty;
        if (!entity.ContainsKey(Payload + "1"))
        {
            return payload;
        }

        var builder = new StringBuilder(payload, payload.Length * 2);
        for (var chunk = 1; entity.GetString(Payload + chunk.ToString(CultureInfo.InvariantCulture)) is { } part; chunk++)
        {
            builder.Append(part);
        }

        return builder.ToString();
    }

    public static LogEntry ToEntry(string logId, TableEntity entity)
    {
        var payload = GetPayload(entity);
        return new LogEntry(
            logId,
            entity.GetInt64(Sequence) ?? throw MissingProperty(entity, Sequence),
            entity.GetString(EntryId) ?? throw MissingProperty(entity, EntryId),
            entity.GetString(IdempotencyKey),
            entity.GetString(AuthorId) ?? throw MissingProperty(entity, AuthorId),
            new DateTimeOffset(entity.GetInt64(TimestampTicks) ?? throw MissingProperty(entity, TimestampTicks), TimeSpan.Zero),
            payload,
            entity.GetBoolean(HighPriority) ?? false,
            entity.GetBoolean(Counted) ?? true);
    }

    /// <summary>
    /// An upper bound of what the entry's operations add to a transaction's request: the client writes JSON, which may
    /// escape a character as six bytes (<c>\uXXXX</c>); ASCII letters, digits and most punctuation take one.
    /// </summary>
    public static long EstimateRequestBytes(LogEntry entry) =>
        1_024 + (3 * EstimateJsonBytes(entry.LogId)) + (2 * EstimateJsonBytes(entry.IdempotencyKey)) + EstimateJsonBytes(entry.EntryId)
            + EstimateJsonBytes(entry.AuthorId) + EstimateJsonBytes(entry.Payload);

    /// <summary>An upper bound of the bytes the client's JSON takes for the string.</summary>
    public static long EstimateJsonBytes(string? value)
    {
        if (value is null)
        {
            return 0;
        }

        long bytes = 0;
        foreach (var c in value)
        {
            bytes += c is >= ' ' and < '\u007f' and not ('"' or '\\' or '<' or '>' or '&' or '\'' or '+' or '`') ? 1 : 6;
        }

        return bytes;
    }

    private static InvalidOperationException MissingProperty(TableEntity entity, string property) =>
        new($"Row '{entity.RowKey}' of partition '{entity.PartitionKey}' has no {property}: it is not a message-log entry.");
}
