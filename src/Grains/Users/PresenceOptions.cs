namespace Orleans.Chat.Grains.Users;

/// <summary>Settings of presence, from the configuration section <c>Silo:Presence</c>.</summary>
public sealed class PresenceOptions
{
    /// <summary>
    /// Subscribers hear of a user's presence at most once per this time: the first change goes at once, later ones within
    /// the window are merged into one (the state at its end, nothing if it is back where it was), so a user whose app
    /// flaps between foreground and background does not flood them.
    /// </summary>
    public TimeSpan CoalesceWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long an Api host's report of a user's devices counts without renewal (hosts renew every minute): the devices
    /// of a host that died stop counting after it.
    /// </summary>
    public TimeSpan DeviceLease { get; set; } = TimeSpan.FromSeconds(150);
}
