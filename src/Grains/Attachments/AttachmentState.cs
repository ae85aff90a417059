namespace Orleans.Chat.Grains.Attachments;

/// <summary>Persisted state of an attachment grain. <see cref="Created"/> false means it does not exist.</summary>
[GenerateSerializer, Alias("chat.AttachmentState")]
public sealed class AttachmentState
{
    [Id(0)]
    public bool Created { get; set; }

    [Id(1)]
    public string OrganizationId { get; set; } = "";

    [Id(2)]
    public string UploaderId { get; set; } = "";

    [Id(3)]
    public string FileName { get; set; } = "";

    [Id(4)]
    public string ContentType { get; set; } = "";

    [Id(5)]
    public long Size { get; set; }

    [Id(6)]
    public int? Width { get; set; }

    [Id(7)]
    public int? Height { get; set; }

    [Id(8)]
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The messages that hold the attachment; empty while it is unattached.</summary>
    [Id(9)]
    public List<AttachmentHolder> Holders { get; set; } = [];
}
