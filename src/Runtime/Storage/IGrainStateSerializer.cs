namespace Orleans.Chat.Runtime.Storage;

/// <summary>
/// Turns grain state into bytes and back. The default uses System.Text.Json with the source-generated
/// contexts the silo registers, so persisted state is readable JSON.
/// </summary>
public interface IGrainStateSerializer
{
    byte[] Serialize<T>(T state);

    T Deserialize<T>(ReadOnlySpan<byte> data);
}
