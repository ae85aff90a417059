using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Persistence;
using Orleans.Runtime;

namespace Orleans.Chat.Grains.Attachments;

/// <inheritdoc cref="IAttachmentGrain"/>
[GrainType("attachment")]
public sealed partial class AttachmentGrain(
    [PersistentState("attachment")] IPersistentState<AttachmentState> state,
    IBlobStore blobs,
    IOptions<AttachmentOptions> options,
    TimeProvider timeProvider,
    ILogger<AttachmentGrain> logger) : Grain, IAttachmentGrain, IRemindable
{
    /// <summary>The reminder that deletes an upload nothing attached, <see cref="AttachmentOptions.UnattachedLifetime"/> after its creation.</summary>
    private const string ExpiryReminder = "unattached-expiry";

    /// <summary>When the expiry could not delete (the store did not answer), its reminder comes back this much later.</summary>
    private static readonly TimeSpan ExpiryRetry = TimeSpan.FromHours(1);

    private AttachmentState S => state.State;

    private string Id => this.GetPrimaryKeyString();

    public async ValueTask<AttachmentInfo> CreateAsync(CreateAttachmentCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!AttachmentId.IsValid(Id))
        {
            throw new InvalidArgumentException("An attachment id is 32 lower-case hex digits.", "attachmentId");
        }

        var created = new AttachmentState
        {
            Created = true,
            OrganizationId = Validate.Id(command.OrganizationId, "organizationId"),
            UploaderId = Validate.Id(command.UploaderId, "uploaderId"),
            FileName = Validate.FileName(command.FileName),
            ContentType = Validate.ContentType(command.ContentType),
            Size = command.Size >= 0 ? command.Size : throw new InvalidArgumentException("'size' must not be negative.", "size"),
            Width = Validate.Pixels(command.Width, "width"),
            Height = Validate.Pixels(command.Height, "height"),
            CreatedAt = timeProvider.GetUtcNow(),
        };
        if (S.Created)
        {
            throw new ConflictException($"Attachment '{Id}' exists.");
        }

        // The reminder before the record: a record without it would never expire. (A reminder without the record, when
        // the write below fails, deletes the blob of this id, which the API host deletes as well.)
        await this.RegisterOrUpdateReminder(ExpiryReminder, options.Value.UnattachedLifetime, ExpiryRetry);
        state.State = created;
        await WriteStateAsync();
        LogCreated(logger, Id, S.UploaderId, S.Size);
        return ToInfo();
    }

    public ValueTask<AttachmentInfo> GetAsync()
    {
        EnsureCreated();
        return ValueTask.FromResult(ToInfo());
    }

    public ValueTask<IReadOnlyList<AttachmentHolder>> GetHoldersAsync()
    {
        EnsureCreated();
        return ValueTask.FromResult<IReadOnlyList<AttachmentHolder>>([.. S.Holders]);
    }

    public async ValueTask<AttachmentInfo> AttachAsync(string userId, string conversationId, long sortNumber)
    {
        EnsureCreated();
        Validate.Id(userId, "userId");
        if (OrganizationOf(conversationId, userId) != S.OrganizationId)
        {
            throw new InvalidArgumentException($"Attachment '{Id}' belongs to another organization than conversation '{conversationId}'.", "conversationId");
        }

        var holder = new AttachmentHolder(conversationId, Validate.SortNumber(sortNumber, "sortNumber"));
        if (S.Holders.Contains(holder))
        {
            return ToInfo();
        }

        if (S.Holders.Count == 0 && userId != S.UploaderId)
        {
            throw new PermissionDeniedException($"Only its uploader may attach attachment '{Id}' to a message.");
        }

        S.Holders.Add(holder);
        await WriteStateAsync();
        if (S.Holders.Count == 1)
        {
            // Held now, it no longer expires. Should this fail, the reminder finds the holder when it comes and goes.
            await UnregisterExpiryAsync();
        }

        return ToInfo();
    }

    public async ValueTask ReleaseAsync(string conversationId, long sortNumber)
    {
        var index = S.Holders.IndexOf(new AttachmentHolder(conversationId, sortNumber));
        if (index < 0)
        {
            return;
        }

        if (S.Holders.Count == 1)
        {
            // The last holder stays in the record until the record is gone, so a deletion that fails is retried whole.
            await DeleteAsync();
            return;
        }

        S.Holders.RemoveAt(index);
        await WriteStateAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (S.Holders.Count > 0)
        {
            await UnregisterExpiryAsync();
            return;
        }

        LogExpired(logger, Id);
        await DeleteAsync();
    }

    /// <summary>Deletes the blob, then the record, then the expiry reminder: each step is retried after a failure in the ones before it.</summary>
    private async Task DeleteAsync()
    {
        await blobs.DeleteAsync(Id);
        if (S.Created)
        {
            await state.ClearStateAsync();
        }

        await UnregisterExpiryAsync();
        LogDeleted(logger, Id);
        DeactivateOnIdle();
    }

    private async Task UnregisterExpiryAsync()
    {
        if (await this.GetReminder(ExpiryReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>Stores the state; a failed write leaves memory ahead of storage, so the next call starts over from storage.</summary>
    private async Task WriteStateAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception exception)
        {
            LogStateWriteFailed(logger, exception, Id);
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>The organization <paramref name="userId"/> writes from in the conversation (across organizations, their own).</summary>
    private static string OrganizationOf(string conversationId, string userId) =>
        ConversationKey.TryParse(conversationId, out var direct) ? direct.OrganizationOf(userId)
        : GroupKey.TryParse(conversationId, out var group) ? group.OrganizationId
        : throw new InvalidArgumentException("'conversationId' is not a conversation id.", "conversationId");

    private void EnsureCreated()
    {
        if (!S.Created)
        {
            throw AttachmentId.NotFound(Id);
        }
    }

    private AttachmentInfo ToInfo() =>
        new(Id, S.OrganizationId, S.UploaderId, S.FileName, S.ContentType, S.Size, S.Width, S.Height, S.CreatedAt);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Attachment {AttachmentId} uploaded by {UploaderId}, {Size} bytes")]
    private static partial void LogCreated(ILogger logger, string attachmentId, string uploaderId, long size);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Attachment {AttachmentId} expired: nothing attached it")]
    private static partial void LogExpired(ILogger logger, string attachmentId);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Attachment {AttachmentId} deleted with its blob")]
    private static partial void LogDeleted(ILogger logger, string attachmentId);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Error, Message = "Attachment {AttachmentId} could not write its state; deactivating")]
    private static partial void LogStateWriteFailed(ILogger logger, Exception exception, string attachmentId);
}
