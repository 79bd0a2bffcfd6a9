using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using RocRouting.IntegrationTests.Infrastructure;
using RocRouting.Worker.Notifications;

namespace RocRouting.IntegrationTests.Notifications;

/// <summary>
/// The push payload's encryption against RFC 8291's own example (appendix A): the browser's keys, the
/// application server's key pair and the encrypted body are the RFC's. The other notification tests
/// decrypt every push as a browser would; this one pins the key derivation to the standard itself.
/// </summary>
[TestFixture]
public sealed class Encrypting_a_push
{
    private const string BrowserPublicKey = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    private const string AuthSecret = "BTBZMqHH6r4Tts7J_aSIgg";
    private const string SenderPrivateKey = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    private const string SenderPublicKey = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";

    /// <summary>The RFC's aes128gcm body: salt, a record size of 4,096, the sender's key as the key id, one record.</summary>
    private const string Body = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    [Test]
    public void Derives_the_keying_material_that_opens_the_RFCs_example()
    {
        using var browser = WebPushTarget.Open("https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV", BrowserPublicKey, AuthSecret);
        var senderPublic = Base64Url.DecodeFromChars(SenderPublicKey);
        using var sender = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            D = Base64Url.DecodeFromChars(SenderPrivateKey),
            Q = new ECPoint { X = senderPublic[1..33], Y = senderPublic[33..] },
        });

        var keyingMaterial = browser.KeyingMaterial(sender, senderPublic);

        Assert.That(
            Encoding.UTF8.GetString(TestPushService.DecryptRecord(Base64Url.DecodeFromChars(Body), keyingMaterial)),
            Is.EqualTo("When I grow up, I want to be a watermelon"));
    }

    [Test]
    public void Refuses_a_browser_key_that_is_not_a_point_of_the_curve()
    {
        var offTheCurve = Base64Url.EncodeToString([0x04, .. new byte[64]]);

        Assert.That(() => WebPushTarget.Open("https://push.example.net/push/abc", offTheCurve, AuthSecret).Dispose(), Throws.InstanceOf<CryptographicException>());
    }
}
