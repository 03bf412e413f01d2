package io.lengthguard.spring.boot;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/** Tells whether a bean is declared as an interface, so that a wrapper of it fits every use. */
final class DeclaredTypes {
  private DeclaredTypes() {}

  /**
   * Returns whether the bean {@code beanName} is declared with the type {@code type} itself: a
   * wrapper implementing {@code type} may then replace it, where a bean declared as a concrete
   * class may be injected as that class, which a wrapper is not.
   */
  static boolean declaredAs(@Nullable BeanFactory beanFactory, String beanName, Class<?> type) {
    if (!(beanFactory instanceof ConfigurableListableBeanFactory factory)
        || !factory.containsBeanDefinition(beanName)) {
      return false;
    }
    return factory.getMergedBeanDefinition(beanName).getResolvableType().resolve() == type;
  }
}
