using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Organizations;
using Orleans.Runtime;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// A message that goes by itself, tracked by its conversation until it is gone: at <see cref="ExpiresAt"/>, or once read
/// by every recipient (<see cref="DeleteOnRead"/>). The id guards against a sortNumber this entry does not describe (a
/// send tracked but never stored, then the sortNumber taken by another message).
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.PendingRemoval")]
public sealed record PendingRemoval(
    [Id(0)] long SortNumber,
    [Id(1)] string MessageId,
    [Id(2)] DateTimeOffset? ExpiresAt,
    [Id(3)] bool DeleteOnRead,
    [Id(4)] string SenderId);

/// <summary>What a conversation keeps and decides for messages that go by themselves.</summary>
internal interface IMessageRemovalRules : IMessageChangeRules
{
    /// <summary>The grain state's list of messages still to go.</summary>
    List<PendingRemoval> PendingRemovals { get; }

    /// <summary>Stores the grain state (with <see cref="PendingRemovals"/>).</summary>
    Task StoreAsync();

    /// <summary>Whether every recipient of the message (in a group, every current member but its sender) read it.</summary>
    bool ReadByAll(PendingRemoval removal);
}

/// <summary>
/// Times to live and deletes on read, per conversation: no scan of messages, only the conversation's own list of those
/// still to go (in its state, written before the message is stored). While the grain is active a timer fires at the
/// next expiry; an Orleans reminder, registered while any message has a time to live, wakes it when it is not (so a
/// message goes at most a minute late, Orleans' shortest reminder period). Reads never wait for either: history leaves
/// out what has expired already. A message goes through <see cref="MessageChanges"/> like a recall, so its body is
/// erased and every member's devices and catch-up learn of it in order.
/// </summary>
internal sealed class MessageRemovals(Grain grain, IMessageRemovalRules rules)
{
    public const string ReminderName = "message-removals";

    /// <summary>The longest a timer waits before looking again (a time to live may be a year).</summary>
    private static readonly TimeSpan LongestWait = TimeSpan.FromHours(1);

    private IGrainTimer? _timer;
    private bool _reminderRegistered;

    /// <summary>Whether history still shows the message: not removed, and not past its time to live.</summary>
    public static bool IsLive(Message message, DateTimeOffset now) => message.Removed is null && !(message.ExpiresAt <= now);

    /// <summary>When a message sent now with <paramref name="ttlMinutes"/> expires: the organization's maximum cuts it short.</summary>
    public static async Task<DateTimeOffset?> ExpiresAtAsync(IGrainFactory grains, string organizationId, int? ttlMinutes, DateTimeOffset now)
    {
        if (Validate.TtlMinutes(ttlMinutes, "ttlMinutes") is not { } ttl)
        {
            return null;
        }

        var maximum = (await grains.GetGrain<IOrganizationGrain>(organizationId).GetAsync()).Settings?.MaxMessageTtlMinutes;
        return now.AddMinutes(Math.Min(ttl, maximum ?? ttl));
    }

    /// <summary>After activation: the timer for the next expiry; the reminder is registered if any message has a time to live.</summary>
    public void Activate()
    {
        _reminderRegistered = rules.PendingRemovals.Any(p => p.ExpiresAt is not null);
        Schedule();
    }

    /// <summary>
    /// Tracks a message that goes by itself; true when it does, and the caller must store its state before the message
    /// (so no crash leaves one untracked; an entry whose message never got stored is dropped by the sweep).
    /// </summary>
    public async Task<bool> TrackAsync(Message message)
    {
        if (message.ExpiresAt is null && !message.DeleteOnRead)
        {
            return false;
        }

        rules.PendingRemovals.Add(new PendingRemoval(message.SortNumber, message.Id, message.ExpiresAt, message.DeleteOnRead, message.SenderId));
        if (message.ExpiresAt is not null && !_reminderRegistered)
        {
            await grain.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            _reminderRegistered = true;
        }

        Schedule();
        return true;
    }

    /// <summary>Removes every message whose time is up or that all its recipients read; drops entries of messages that are not there.</summary>
    public async Task SweepAsync()
    {
        var now = rules.Now;
        var pending = rules.PendingRemovals;
        var changed = false;
        var due = pending
            .Select(entry => (Entry: entry, Reason: entry.ExpiresAt <= now ? MessageChangeKind.Expired
                : entry.DeleteOnRead && rules.ReadByAll(entry) ? MessageChangeKind.DeletedOnRead
                : (MessageChangeKind?)null))
            .Where(d => d.Reason is not null)
            .ToList();
        foreach (var (entry, reason) in due)
        {
            pending.Remove(entry);
            changed = true;
            var message = await rules.Changes.MessageAtAsync(entry.SortNumber);
            if (message is null || message.Id != entry.MessageId || message.Removed is not null)
            {
                continue; // Tracked but never stored (the send failed), or gone already (a sweep cut short by a crash).
            }

            var kind = reason!.Value;
            var (change, removed) = await rules.Changes.ApplyAsync(message, MessageRevisions.Remove(message, kind, now)!, kind, message.SenderId, now);
            await rules.PublishAsync(change, message, removed);
        }

        if (changed)
        {
            await rules.StoreAsync();
        }

        if (_reminderRegistered && !pending.Any(p => p.ExpiresAt is not null) && await grain.GetReminder(ReminderName) is { } reminder)
        {
            await grain.UnregisterReminder(reminder);
            _reminderRegistered = false;
        }

        Schedule();
    }

    /// <summary>A timer for the next expiry while the grain is active (none when nothing expires).</summary>
    private void Schedule()
    {
        _timer?.Dispose();
        _timer = null;
        if (rules.PendingRemovals.Where(p => p.ExpiresAt is not null).Min(p => p.ExpiresAt) is { } next)
        {
            var due = next - rules.Now;
            due = due < TimeSpan.Zero ? TimeSpan.Zero : due > LongestWait ? LongestWait : due;
            _timer = grain.RegisterGrainTimer(SweepAsync, new GrainTimerCreationOptions { DueTime = due, Period = Timeout.InfiniteTimeSpan });
        }
    }
}
