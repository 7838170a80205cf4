package storefront.interop;

import org.springframework.boot.SpringApplication;

import storefront.interop.client.ClientApp;
import storefront.interop.server.ServerApp;

/** `java -jar spring-eureka.jar client|server [--property=value…]`. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if (args.length == 0 || !(args[0].equals("client") || args[0].equals("server"))) {
      throw new IllegalArgumentException("first argument: client or server");
    }
    String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
    SpringApplication app =
        new SpringApplication(args[0].equals("client") ? ClientApp.class : ServerApp.class);
    app.setAdditionalProfiles(args[0]);
    app.run(rest);
  }
}
