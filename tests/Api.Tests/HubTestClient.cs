using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Orleans.Chat.Api.Tests;

/// <summary>
/// A minimal SignalR JSON-protocol client over the test server's WebSocket (the .NET SignalR client does not
/// restore from our feed; the end-to-end tests use the official JavaScript client against a real process).
/// </summary>
public sealed class HubTestClient : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly WebSocket _socket;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly Dictionary<string, TaskCompletionSource<JsonElement>> _pending = [];
    private readonly Task _receiving;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextInvocation;

    private HubTestClient(WebSocket socket, StringBuilder received)
    {
        _socket = socket;
        _receiving = ReceiveLoopAsync(received);
    }

    public List<(string Target, JsonElement Argument)> Events { get; } = [];

    /// <summary>Every event in the order it came, with its feed cursor (the second argument; null when there is none).</summary>
    public List<(string Target, long? Cursor)> Cursors { get; } = [];

    /// <summary>Completes when the server closes the connection.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Connects; with <paramref name="cursor"/>, as a device that resumes from it (<c>?cursor=</c>).</summary>
    public static async Task<HubTestClient> ConnectAsync(WebApplicationFactory<Program> factory, string token, string? cursor = null)
    {
        var client = factory.Server.CreateWebSocketClient();
        var query = "access_token=" + Uri.EscapeDataString(token) + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
        var uri = new UriBuilder(factory.Server.BaseAddress) { Scheme = "ws", Path = "/hubs/chat", Query = query }.Uri;
        var socket = await client.ConnectAsync(uri, CancellationToken.None);
        await SendAsync(socket, """{"protocol":"json","version":1}""");
        // What came after the handshake in the same read (events the server sends at once on connect) is kept.
        var received = new StringBuilder();
        var handshake = await ReadRecordAsync(socket, received) ?? throw new InvalidOperationException("No handshake response.");
        using var document = JsonDocument.Parse(handshake);
        if (document.RootElement.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException("Handshake failed: " + error.GetString());
        }

        return new HubTestClient(socket, received);
    }

    /// <summary>Invokes a hub method; returns its result or throws <see cref="HubErrorException"/> with the server's message.</summary>
    public async Task<JsonElement> InvokeAsync(string target, params object?[] arguments)
    {
        var id = Interlocked.Increment(ref _nextInvocation).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pending)
        {
            _pending[id] = completion;
        }

        await SendAsync(_socket, JsonSerializer.Serialize(new { type = 1, invocationId = id, target, arguments }, ApiFactory.Json));
        var result = await completion.Task.WaitAsync(TimeSpan.FromSeconds(10));
        if (result.TryGetProperty("error", out var error))
        {
            throw new HubErrorException(error.GetString()!);
        }

        return result.TryGetProperty("result", out var value) ? value : default;
    }

    /// <summary>The first event named <paramref name="target"/> (already received or coming) whose argument matches.</summary>
    public async Task<JsonElement> NextAsync(string target, Func<JsonElement, bool>? match = null, int timeoutMs = 5000)
    {
        using var timeout = new CancellationTokenSource(timeoutMs);
        lock (Events)
        {
            foreach (var (name, argument) in Events)
            {
                if (name == target && (match?.Invoke(argument) ?? true))
                {
                    return argument;
                }
            }
        }

        while (true)
        {
            var message = await _events.Reader.ReadAsync(timeout.Token);
            if (message.GetProperty("target").GetString() == target && (match?.Invoke(message.GetProperty("arguments")[0]) ?? true))
            {
                return message.GetProperty("arguments")[0];
            }
        }
    }

    /// <summary>The events received so far, copied under the lock the receive loop takes (it adds while tests read).</summary>
    public List<(string Target, JsonElement Argument)> Received()
    {
        lock (Events)
        {
            return [.. Events];
        }
    }

    public int Count(string target)
    {
        lock (Events)
        {
            return Events.Count(e => e.Target == target);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
            catch (Exception exception) when (exception is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // Already closing.
            }
        }

        try
        {
            await _receiving.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
        }

        _socket.Dispose();
    }

    private static Task SendAsync(WebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json + RecordSeparator), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    private static async Task<string?> ReadRecordAsync(WebSocket socket, StringBuilder buffer)
    {
        var chunk = new byte[8192];
        while (true)
        {
            var text = buffer.ToString();
            var end = text.IndexOf(RecordSeparator, StringComparison.Ordinal);
            if (end >= 0)
            {
                buffer.Remove(0, end + 1);
                return text[..end];
            }

            var received = await socket.ReceiveAsync(chunk, CancellationToken.None);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            buffer.Append(Encoding.UTF8.GetString(chunk, 0, received.Count));
        }
    }

    private async Task ReceiveLoopAsync(StringBuilder buffer)
    {
        try
        {
            while (await ReadRecordAsync(_socket, buffer) is { } record)
            {
                var message = JsonDocument.Parse(record).RootElement.Clone();
                switch (message.GetProperty("type").GetInt32())
                {
                    case 1 when !message.TryGetProperty("invocationId", out _):
                        lock (Events)
                        {
                            var arguments = message.GetProperty("arguments");
                            Events.Add((message.GetProperty("target").GetString()!, arguments[0]));
                            Cursors.Add((message.GetProperty("target").GetString()!,
                                arguments.GetArrayLength() > 1 && arguments[1].ValueKind == JsonValueKind.Number ? arguments[1].GetInt64() : null));
                        }

                        await _events.Writer.WriteAsync(message);
                        break;
                    case 3:
                        TaskCompletionSource<JsonElement>? completion;
                        lock (_pending)
                        {
                            _pending.Remove(message.GetProperty("invocationId").GetString()!, out completion);
                        }

                        completion?.TrySetResult(message);
                        break;
                    case 7:
                        _closed.TrySetResult();
                        return;
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection ended.
        }
        finally
        {
            _closed.TrySetResult();
        }
    }
}

public sealed class HubErrorException(string message) : Exception(message);
