using Orleans.Chat.Grains.Attachments;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Api.Endpoints;

/// <summary>
/// Who may read an attachment: its uploader while no message holds it; afterwards whoever can see one of the messages
/// that hold it, as long as that message still carries it. Everyone else, and everyone asking for an id that does not
/// exist, gets the same <c>not-found</c>, so an attachment's existence says nothing to those who may not read it.
/// </summary>
internal static class AttachmentAccess
{
    public static async Task<AttachmentInfo> GetVisibleAsync(IGrainFactory grains, string userId, string attachmentId)
    {
        if (!AttachmentId.IsValid(attachmentId))
        {
            throw AttachmentId.NotFound(attachmentId);
        }

        var attachment = grains.GetGrain<IAttachmentGrain>(attachmentId);
        try
        {
            var info = await attachment.GetAsync();
            var holders = await attachment.GetHoldersAsync();
            if (holders.Count == 0 ? info.UploaderId == userId : await SeesAnyAsync(grains, userId, attachmentId, holders))
            {
                return info;
            }
        }
        catch (NotFoundException)
        {
            // No such attachment: answered below, as for one the user may not see.
        }

        throw AttachmentId.NotFound(attachmentId);
    }

    /// <summary>Whether one of the holding messages is in the user's history and carries the attachment, asking one conversation at a time.</summary>
    private static async Task<bool> SeesAnyAsync(IGrainFactory grains, string userId, string attachmentId, IReadOnlyList<AttachmentHolder> holders)
    {
        foreach (var holder in holders)
        {
            try
            {
                var message = await ChatConversations.Get(grains, holder.ConversationId).GetMessageAsync(userId, holder.SortNumber);
                if (message.Attachments?.Any(a => a.Id == attachmentId) == true)
                {
                    return true;
                }
            }
            catch (ChatException exception) when (exception.Code is ErrorCodes.NotFound or ErrorCodes.PermissionDenied)
            {
                // Not a message this user sees (a 1-1 conversation answers outsiders with permission-denied).
            }
        }

        return false;
    }
}
