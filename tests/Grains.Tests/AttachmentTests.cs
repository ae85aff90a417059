using Orleans.Chat.Grains.Attachments;
using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Groups;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Persistence;

namespace Orleans.Chat.Grains.Tests;

/// <summary>
/// Attachment records and their blobs: attaching, releasing, and the expiry of uploads nothing attaches
/// (<see cref="ClusterFixture.UnattachedLifetime"/>). The blobs are in the store both silos share.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AttachmentTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Create_ThenGet_ReturnsTheRecordWithoutHolders()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(1);

        var (attachment, created) = await UploadAsync(organizationId, users[0], width: 640, height: 480);

        Assert.Equal(new AttachmentInfo(created.Id, organizationId, users[0], "photo.jpg", "image/jpeg", 3, 640, 480, created.CreatedAt), created);
        Assert.Equal(created, await attachment.GetAsync());
        Assert.Empty(await attachment.GetHoldersAsync());
        Assert.Equal(new MessageAttachment(created.Id, "photo.jpg", "image/jpeg", 3, 640, 480), created.ToMessageAttachment());
    }

    [Fact]
    public async Task Create_Twice_ThrowsConflict()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(1);
        var (attachment, _) = await UploadAsync(organizationId, users[0]);

        await Assert.ThrowsAsync<ConflictException>(async () => await attachment.CreateAsync(Command(organizationId, users[0])));
    }

    [Fact]
    public async Task Get_Unknown_ThrowsNotFoundAsForAnyoneWhoMayNotSeeIt()
    {
        var id = AttachmentId.New();

        var error = await Assert.ThrowsAsync<NotFoundException>(async () => await cluster.GrainFactory.GetGrain<IAttachmentGrain>(id).GetAsync());

        Assert.Equal(AttachmentId.NotFound(id).Message, error.Message);
    }

    [Fact]
    public async Task Attach_ByTheUploader_AddsTheHolderOnce()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (attachment, created) = await UploadAsync(organizationId, users[0]);
        var conversationId = ConversationKey.For(organizationId, users[0], users[1]).ToGrainKey();

        Assert.Equal(created, await attachment.AttachAsync(users[0], conversationId, 1));
        await attachment.AttachAsync(users[0], conversationId, 1);

        Assert.Equal([new AttachmentHolder(conversationId, 1)], await attachment.GetHoldersAsync());
    }

    [Fact]
    public async Task Attach_BySomeoneElseWhileUnattached_ThrowsPermissionDenied()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (attachment, _) = await UploadAsync(organizationId, users[0]);

        await Assert.ThrowsAsync<PermissionDeniedException>(async () =>
            await attachment.AttachAsync(users[1], ConversationKey.For(organizationId, users[0], users[1]).ToGrainKey(), 1));

        Assert.Empty(await attachment.GetHoldersAsync());
    }

    [Fact]
    public async Task Attach_ForwardOfAHeldAttachment_AddsAnotherHolder()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(3);
        var (attachment, _) = await UploadAsync(organizationId, users[0]);
        var first = ConversationKey.For(organizationId, users[0], users[1]).ToGrainKey();
        var group = new GroupKey(organizationId, ClusterFixture.NewId("group")).ToGrainKey();
        await attachment.AttachAsync(users[0], first, 4);

        await attachment.AttachAsync(users[1], group, 9);

        Assert.Equal([new AttachmentHolder(first, 4), new AttachmentHolder(group, 9)], await attachment.GetHoldersAsync());
    }

    [Fact]
    public async Task Attach_ConversationOfAnotherOrganization_ThrowsInvalidArgument()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (attachment, _) = await UploadAsync(organizationId, users[0]);

        await Assert.ThrowsAsync<InvalidArgumentException>(async () =>
            await attachment.AttachAsync(users[0], ConversationKey.For(ClusterFixture.NewId("org"), users[0], users[1]).ToGrainKey(), 1));
    }

    [Fact]
    public async Task Release_NotTheLastHolder_KeepsTheRecordAndTheBlob()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (attachment, created) = await UploadAsync(organizationId, users[0]);
        var conversationId = ConversationKey.For(organizationId, users[0], users[1]).ToGrainKey();
        await attachment.AttachAsync(users[0], conversationId, 1);
        await attachment.AttachAsync(users[1], conversationId, 2);

        await attachment.ReleaseAsync(conversationId, 1);

        Assert.Equal([new AttachmentHolder(conversationId, 2)], await attachment.GetHoldersAsync());
        Assert.True(await BlobExistsAsync(created.Id));
    }

    [Fact]
    public async Task Release_TheLastHolder_DeletesTheBlobAndTheRecord()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (attachment, created) = await UploadAsync(organizationId, users[0]);
        var conversationId = ConversationKey.For(organizationId, users[0], users[1]).ToGrainKey();
        await attachment.AttachAsync(users[0], conversationId, 1);
        await attachment.AttachAsync(users[1], conversationId, 2);

        await attachment.ReleaseAsync(conversationId, 2);
        await attachment.ReleaseAsync(conversationId, 1);

        Assert.False(await BlobExistsAsync(created.Id));
        await Assert.ThrowsAsync<NotFoundException>(async () => await attachment.GetAsync());
        await attachment.ReleaseAsync(conversationId, 1); // again, after the deletion: nothing to do
    }

    [Fact]
    public async Task Release_NotAHolder_ChangesNothing()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (attachment, created) = await UploadAsync(organizationId, users[0]);
        var conversationId = ConversationKey.For(organizationId, users[0], users[1]).ToGrainKey();
        await attachment.AttachAsync(users[0], conversationId, 1);

        await attachment.ReleaseAsync(conversationId, 5);

        Assert.Equal([new AttachmentHolder(conversationId, 1)], await attachment.GetHoldersAsync());
        Assert.True(await BlobExistsAsync(created.Id));
    }

    [Fact]
    public async Task Expiry_NothingAttachesTheUpload_DeletesTheBlobAndTheRecord()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(1);
        var (attachment, created) = await UploadAsync(organizationId, users[0]);

        // The reminder is due after the lifetime; give Orleans' reminder service a generous margin to fire it.
        var deadline = DateTime.UtcNow + ClusterFixture.UnattachedLifetime + TimeSpan.FromSeconds(30);
        while (await BlobExistsAsync(created.Id) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.False(await BlobExistsAsync(created.Id));
        await Assert.ThrowsAsync<NotFoundException>(async () => await attachment.GetAsync());
    }

    [Fact]
    public async Task Expiry_AttachedInTime_KeepsTheBlobAndTheRecord()
    {
        var (organizationId, users) = await cluster.OrganizationWithMembersAsync(2);
        var (attachment, created) = await UploadAsync(organizationId, users[0]);
        await attachment.AttachAsync(users[0], ConversationKey.For(organizationId, users[0], users[1]).ToGrainKey(), 1);

        await Task.Delay(ClusterFixture.UnattachedLifetime * 3);

        Assert.True(await BlobExistsAsync(created.Id));
        Assert.Equal(created, await attachment.GetAsync());
    }

    /// <summary>An upload as the API makes one: the blob first, then the record.</summary>
    private async Task<(IAttachmentGrain Attachment, AttachmentInfo Created)> UploadAsync(string organizationId, string uploaderId, int? width = null, int? height = null)
    {
        var id = AttachmentId.New();
        await cluster.BlobStore.WriteAsync(id, new MemoryStream([1, 2, 3]), maxBytes: 1024);
        var attachment = cluster.GrainFactory.GetGrain<IAttachmentGrain>(id);
        return (attachment, await attachment.CreateAsync(Command(organizationId, uploaderId, width, height)));
    }

    private static CreateAttachmentCommand Command(string organizationId, string uploaderId, int? width = null, int? height = null) =>
        new(organizationId, uploaderId, " photo.jpg ", "Image/JPEG", 3, width, height);

    private async Task<bool> BlobExistsAsync(string name)
    {
        await using var blob = await cluster.BlobStore.OpenReadAsync(name);
        return blob is not null;
    }
}
